package directory

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// User is an account with a mailbox.
type User struct {
	ID          int64
	Alias       string // folded; unique across the directory
	Domain      string // the accepted domain of the primary address
	DisplayName string
	Database    string // the mailbox database holding the mailbox
	// CAS is the per-mailbox protocol settings document (config.CASMailbox
	// as JSON).
	CAS []byte
}

// Address is the user's primary SMTP address, which is also the name the
// user logs on with.
func (u User) Address() string { return u.Alias + "@" + u.Domain }

// NewUser describes a user to add.
type NewUser struct {
	Address     string // alias@domain; the domain must be accepted
	Password    string
	DisplayName string
	Database    string
}

// AddUser creates a user. The mailbox's folders are the store's business;
// the caller creates them after this returns.
func (d *Directory) AddUser(ctx context.Context, nu NewUser) (User, error) {
	n, err := Canonical(nu.Address)
	if err != nil || n.Backslash || n.Domain == "" {
		return User{}, fmt.Errorf("%q is not an e-mail address: %w", nu.Address, ErrBadName)
	}
	if !d.isAccepted(ctx, n) {
		return User{}, fmt.Errorf("domain %q is not an accepted domain: %w", n.Domain, ErrNotFound)
	}
	if nu.Password == "" {
		return User{}, errors.New("directory: a password is required")
	}
	if _, err := d.Database(ctx, nu.Database); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(nu.Password, d.params)
	if err != nil {
		return User{}, err
	}
	var id int64
	err = d.queryRow(ctx, `INSERT INTO users(alias, domain, display_name, password, database, created)
		VALUES(?,?,?,?,?,?) RETURNING id`, n.Alias, n.Domain, nu.DisplayName, hash, nu.Database, time.Now().Unix()).Scan(&id)
	if err != nil {
		if d.dl.isUnique(err) {
			return User{}, fmt.Errorf("user %q: %w", n.Alias, ErrExists)
		}
		return User{}, err
	}
	return d.UserByID(ctx, id)
}

const userColumns = `id, alias, domain, display_name, database, cas`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var cas string
	err := row.Scan(&u.ID, &u.Alias, &u.Domain, &u.DisplayName, &u.Database, &cas)
	u.CAS = []byte(cas)
	return u, err
}

// UserByID finds a user by id.
func (d *Directory) UserByID(ctx context.Context, id int64) (User, error) {
	u, err := scanUser(d.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return u, err
}

// Lookup resolves a name as a client or administrator typed it (alias,
// alias@domain, or DOMAIN\alias) to a user.
func (d *Directory) Lookup(ctx context.Context, name string) (User, error) {
	n, err := Canonical(name)
	if err != nil {
		return User{}, err
	}
	return d.lookup(ctx, n)
}

func (d *Directory) lookup(ctx context.Context, n Name) (User, error) {
	u, err := scanUser(d.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE alias = ?`, n.Alias))
	if errors.Is(err, sql.ErrNoRows) {
		return u, fmt.Errorf("user %q: %w", n.Alias, ErrNotFound)
	}
	if err != nil {
		return u, err
	}
	if n.Domain != "" && !n.matchesDomain(u.Domain) {
		return User{}, fmt.Errorf("user %q: %w", n.Alias, ErrNotFound)
	}
	return u, nil
}

func (d *Directory) isAccepted(ctx context.Context, n Name) bool {
	domains, err := d.AcceptedDomains(ctx)
	if err != nil {
		return false
	}
	for _, dom := range domains {
		if n.matchesDomain(dom) {
			return true
		}
	}
	return false
}

// Users lists all users by alias.
func (d *Directory) Users(ctx context.Context) ([]User, error) {
	return d.queryUsers(ctx, `SELECT `+userColumns+` FROM users ORDER BY alias`)
}

// queryUsers runs a query that selects userColumns.
func (d *Directory) queryUsers(ctx context.Context, query string, args ...any) ([]User, error) {
	rows, err := d.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// RemoveUser deletes a user from the directory.
func (d *Directory) RemoveUser(ctx context.Context, id int64) error {
	res, err := d.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return nil
}

// SetPassword replaces a user's password.
func (d *Directory) SetPassword(ctx context.Context, id int64, password string) error {
	if password == "" {
		return errors.New("directory: a password is required")
	}
	hash, err := HashPassword(password, d.params)
	if err != nil {
		return err
	}
	res, err := d.exec(ctx, `UPDATE users SET password = ? WHERE id = ?`, hash, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %d: %w", id, ErrNotFound)
	}
	return nil
}

// SetCAS stores a user's per-mailbox protocol settings document.
func (d *Directory) SetCAS(ctx context.Context, id int64, doc []byte) error {
	_, err := d.exec(ctx, `UPDATE users SET cas = ? WHERE id = ?`, string(doc), id)
	return err
}

// SetUserDatabase records that a user's mailbox is now in database (a
// mailbox move).
func (d *Directory) SetUserDatabase(ctx context.Context, id int64, database string) error {
	if _, err := d.Database(ctx, database); err != nil {
		return err
	}
	res, err := d.exec(ctx, `UPDATE users SET database = ? WHERE id = ?`, database, id)
	return affected(res, err, fmt.Sprintf("user %d", id))
}

// ErrBadPassword is returned by Verify for a wrong password.
var ErrBadPassword = errors.New("directory: wrong password")

// Verify resolves name and checks password. It returns ErrNotFound,
// ErrBadName or ErrBadPassword for a failed logon; callers answer all of
// them with the same text.
func (d *Directory) Verify(ctx context.Context, name, password string) (User, error) {
	n, err := Canonical(name)
	if err != nil {
		// The same argon2id work as for a real account: a name that is
		// not one answers in the same time as a wrong password.
		d.dummyVerify(ctx, password)
		return User{}, err
	}
	u, err := d.lookup(ctx, n)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			d.dummyVerify(ctx, password)
		}
		return User{}, err
	}
	var phc string
	if err := d.queryRow(ctx, `SELECT password FROM users WHERE id = ?`, u.ID).Scan(&phc); err != nil {
		return User{}, err
	}
	if d.cache.hit(phc, password) {
		return u, nil
	}
	ok, err := d.verifyHash(ctx, phc, password)
	if ok {
		d.cache.add(phc, password)
	}
	if err != nil {
		return User{}, err
	}
	if !ok {
		return User{}, ErrBadPassword
	}
	return u, nil
}

// verifyHash checks a password against a PHC string, one argon2id
// computation per core at a time.
func (d *Directory) verifyHash(ctx context.Context, phc, password string) (bool, error) {
	select {
	case d.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-d.hashing }()
	return VerifyPassword(phc, password)
}

// dummyVerify does the work of checking a password against a hash of the
// directory's cost that no password matches, for names that are no
// account, so that their answer takes as long as a wrong password's.
func (d *Directory) dummyVerify(ctx context.Context, password string) {
	d.dummyOnce.Do(func() {
		var salt [16]byte
		rand.Read(salt[:])
		d.dummy, _ = HashPassword(base64.StdEncoding.EncodeToString(salt[:]), d.params)
	})
	if d.dummy != "" {
		d.verifyHash(ctx, d.dummy, password)
	}
}
