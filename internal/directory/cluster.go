package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The cluster records: the servers of the organisation and the mailbox
// databases, each with the servers holding a copy of it and the one
// holding its active copy. A database's copies are kept as the server
// names joined by commas, in activation preference order; a server name
// holds no comma.

// Server is one Postern server.
type Server struct {
	Name string
	FQDN string
	// Address is the host name or IP address other servers connect to;
	// empty means FQDN.
	Address string
}

// Database is a mailbox database and the server holding its active copy.
type Database struct {
	Name string
	Path string
	// Server holds the active copy.
	Server string
	// Copies are the servers holding a copy, in activation preference
	// order; the first is the server the database was created on.
	Copies []string
}

// ErrBadServerName is returned for a server name with a comma in it.
var ErrBadServerName = errors.New("directory: a server name can't be empty or hold a comma")

// AddServer records a new server; ErrExists if the name is taken.
func (d *Directory) AddServer(ctx context.Context, s Server) error {
	if s.Name == "" || strings.Contains(s.Name, ",") {
		return fmt.Errorf("server %q: %w", s.Name, ErrBadServerName)
	}
	_, err := d.exec(ctx, `INSERT INTO servers(name, fqdn, address, created) VALUES(?,?,?,?)`, s.Name, s.FQDN, s.Address, time.Now().Unix())
	if d.dl.isUnique(err) {
		return fmt.Errorf("server %q: %w", s.Name, ErrExists)
	}
	return err
}

// Servers lists the servers.
func (d *Directory) Servers(ctx context.Context) ([]Server, error) {
	rows, err := d.query(ctx, `SELECT name, fqdn, address FROM servers ORDER BY created, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Server
	for rows.Next() {
		var s Server
		if err := rows.Scan(&s.Name, &s.FQDN, &s.Address); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ServerByName finds a server by name.
func (d *Directory) ServerByName(ctx context.Context, name string) (Server, error) {
	var s Server
	err := d.queryRow(ctx, `SELECT name, fqdn, address FROM servers WHERE name = ?`, name).Scan(&s.Name, &s.FQDN, &s.Address)
	if errors.Is(err, sql.ErrNoRows) {
		return Server{}, fmt.Errorf("server %q: %w", name, ErrNotFound)
	}
	return s, err
}

// SetServerAddress sets the address other servers connect to a server at
// (empty: its FQDN).
func (d *Directory) SetServerAddress(ctx context.Context, name, address string) error {
	res, err := d.exec(ctx, `UPDATE servers SET address = ? WHERE name = ?`, address, name)
	return affected(res, err, fmt.Sprintf("server %q", name))
}

// affected turns an UPDATE or DELETE that changed no row into ErrNotFound.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

const databaseColumns = `name, path, server, copies`

func scanDatabase(row interface{ Scan(...any) error }) (Database, error) {
	var db Database
	var copies string
	err := row.Scan(&db.Name, &db.Path, &db.Server, &copies)
	if copies != "" {
		db.Copies = strings.Split(copies, ",")
	}
	return db, err
}

// Databases lists the mailbox databases.
func (d *Directory) Databases(ctx context.Context) ([]Database, error) {
	rows, err := d.query(ctx, `SELECT `+databaseColumns+` FROM databases ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Database
	for rows.Next() {
		db, err := scanDatabase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, db)
	}
	return out, rows.Err()
}

// Database finds one mailbox database by name.
func (d *Directory) Database(ctx context.Context, name string) (Database, error) {
	db, err := scanDatabase(d.queryRow(ctx, `SELECT `+databaseColumns+` FROM databases WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return Database{}, fmt.Errorf("database %q: %w", name, ErrNotFound)
	}
	return db, err
}

// AddDatabase records a new mailbox database. Its Copies default to its
// Server, and its Server to the first of its Copies; every server named
// must exist (ErrNotFound), and the name must be new (ErrExists).
func (d *Directory) AddDatabase(ctx context.Context, db Database) error {
	if db.Name == "" {
		return errors.New("directory: a database needs a name")
	}
	if len(db.Copies) == 0 && db.Server != "" {
		db.Copies = []string{db.Server}
	}
	if db.Server == "" && len(db.Copies) > 0 {
		db.Server = db.Copies[0]
	}
	if db.Server == "" {
		return fmt.Errorf("database %q: no server given", db.Name)
	}
	if !slices.Contains(db.Copies, db.Server) {
		return fmt.Errorf("database %q: server %q, which holds its active copy, is not among its copies %v", db.Name, db.Server, db.Copies)
	}
	for i, s := range db.Copies {
		if slices.Contains(db.Copies[:i], s) {
			return fmt.Errorf("database %q: server %q is listed twice among its copies", db.Name, s)
		}
		if _, err := d.ServerByName(ctx, s); err != nil {
			return fmt.Errorf("database %q: %w", db.Name, err)
		}
	}
	_, err := d.exec(ctx, `INSERT INTO databases(`+databaseColumns+`) VALUES(?,?,?,?)`, db.Name, db.Path, db.Server, strings.Join(db.Copies, ","))
	if d.dl.isUnique(err) {
		return fmt.Errorf("database %q: %w", db.Name, ErrExists)
	}
	return err
}

// holdsCopy is the SQL condition that the copies list holds the server
// given as its parameter (as ",server,": the list is matched with a comma
// added at both ends). It finds the text exactly, as the name's primary
// key does; SQLite's LIKE would ignore ASCII case.
func (d *Directory) holdsCopy() string {
	return d.dl.strpos() + `(',' || copies || ',', ?) > 0`
}

// SetDatabaseServer records that server now holds the database's active
// copy; the server must hold a copy of it.
func (d *Directory) SetDatabaseServer(ctx context.Context, name, server string) error {
	if _, err := d.Database(ctx, name); err != nil {
		return err
	}
	if _, err := d.ServerByName(ctx, server); err != nil {
		return err
	}
	// One statement, so that the copies list it checks is the one it
	// updates even with other servers writing.
	res, err := d.exec(ctx, `UPDATE databases SET server = ? WHERE name = ? AND `+d.holdsCopy(), server, name, ","+server+",")
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("server %q holds no copy of database %q: add a copy first: %w", server, name, ErrNotFound)
	}
	return nil
}

// AddDatabaseCopy records that server holds a copy of the database, last
// in activation preference; ErrExists if it already holds one.
func (d *Directory) AddDatabaseCopy(ctx context.Context, name, server string) error {
	if _, err := d.Database(ctx, name); err != nil {
		return err
	}
	if _, err := d.ServerByName(ctx, server); err != nil {
		return err
	}
	res, err := d.exec(ctx, `UPDATE databases SET copies = copies || ',' || ? WHERE name = ? AND NOT `+d.holdsCopy(), server, name, ","+server+",")
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("server %q already holds a copy of database %q: %w", server, name, ErrExists)
	}
	return nil
}

// RemoveDatabase deletes a mailbox database's record; it is refused
// (ErrInUse) while mailboxes are on it.
func (d *Directory) RemoveDatabase(ctx context.Context, name string) error {
	t, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var n int
	if err := t.queryRow(ctx, `SELECT count(*) FROM users WHERE database = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return domainErr(ErrInUse, "the database %q can't be removed: %d mailbox(es) are on it; move or remove them first", name, n)
	}
	res, err := t.exec(ctx, `DELETE FROM databases WHERE name = ?`, name)
	if d.dl.isForeignKey(err) {
		// A mailbox was added to it since the count.
		return domainErr(ErrInUse, "the database %q can't be removed: mailboxes are on it; move or remove them first", name)
	}
	if err := affected(res, err, fmt.Sprintf("database %q", name)); err != nil {
		return err
	}
	return t.Commit()
}
