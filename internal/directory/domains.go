package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Accepted domains are the domains this organization receives mail for
// (Exchange's New-/Set-/Remove-AcceptedDomain). Postern has only
// Authoritative domains: every address in one is a local mailbox. One
// domain is the default, the domain of a mailbox created with an alias
// only.
//
// The domain's Name (Exchange's display name for it, unique) is kept in
// accepted_domain_names; a domain without a row there is named by itself,
// as every domain created before that table existed is.

// ErrInUse is returned when an object cannot be removed because others
// depend on it.
var ErrInUse = errors.New("directory: in use")

// domainError is an error whose text is the message alone, matching
// kind with errors.Is.
type domainError struct {
	msg  string
	kind error
}

func (e *domainError) Error() string { return e.msg }
func (e *domainError) Unwrap() error { return e.kind }

func domainErr(kind error, format string, a ...any) error {
	return &domainError{msg: fmt.Sprintf(format, a...), kind: kind}
}

// maxDomainNameLen bounds an accepted domain's Name (Exchange: 64).
const maxDomainNameLen = 64

// AcceptedDomain is one accepted domain.
type AcceptedDomain struct {
	Name       string
	DomainName string
	Default    bool
}

// Domains lists the accepted domains, the default first.
func (d *Directory) Domains(ctx context.Context) ([]AcceptedDomain, error) {
	rows, err := d.query(ctx, `SELECT a.name, coalesce(n.display_name, a.name), a.is_default
		FROM accepted_domains a LEFT JOIN accepted_domain_names n ON n.domain = a.name
		ORDER BY a.is_default DESC, a.name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AcceptedDomain
	for rows.Next() {
		var a AcceptedDomain
		if err := rows.Scan(&a.DomainName, &a.Name, &a.Default); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Domain finds an accepted domain by its Name or its DomainName,
// ignoring case.
func (d *Directory) Domain(ctx context.Context, identity string) (AcceptedDomain, error) {
	all, err := d.Domains(ctx)
	if err != nil {
		return AcceptedDomain{}, err
	}
	for _, a := range all {
		if strings.EqualFold(a.DomainName, identity) || strings.EqualFold(a.Name, identity) {
			return a, nil
		}
	}
	return AcceptedDomain{}, domainErr(ErrNotFound, "the accepted domain %q couldn't be found", identity)
}

// AddDomain adds an accepted domain; name defaults to the domain.
func (d *Directory) AddDomain(ctx context.Context, name, domain string) (AcceptedDomain, error) {
	dom, err := CheckDomainName(domain)
	if err != nil {
		return AcceptedDomain{}, err
	}
	if name == "" {
		name = dom
	}
	if err := checkDomainLabel(name); err != nil {
		return AcceptedDomain{}, err
	}
	t, err := d.begin(ctx)
	if err != nil {
		return AcceptedDomain{}, err
	}
	defer t.Rollback()
	if err := nameFree(ctx, t, name, ""); err != nil {
		return AcceptedDomain{}, err
	}
	if _, err := t.exec(ctx, `INSERT INTO accepted_domains(name, is_default) VALUES(?,0)`, dom); err != nil {
		if d.dl.isUnique(err) {
			return AcceptedDomain{}, domainErr(ErrExists, "the accepted domain %s already exists", dom)
		}
		return AcceptedDomain{}, err
	}
	if _, err := t.exec(ctx, `INSERT INTO accepted_domain_names(domain, display_name) VALUES(?,?)`, dom, name); err != nil {
		return AcceptedDomain{}, err
	}
	if err := t.Commit(); err != nil {
		return AcceptedDomain{}, err
	}
	return AcceptedDomain{Name: name, DomainName: dom}, nil
}

// nameFree checks that no accepted domain other than except has name as
// its Name or DomainName.
func nameFree(ctx context.Context, t tx, name, except string) error {
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM accepted_domains a LEFT JOIN accepted_domain_names n ON n.domain = a.name
		WHERE a.name != ? AND (lower(coalesce(n.display_name, a.name)) = lower(?) OR a.name = lower(?))`, except, name, name).Scan(&n)
	if err != nil {
		return err
	}
	if n > 0 {
		return domainErr(ErrExists, "an accepted domain named %q already exists", name)
	}
	return nil
}

// SetDomain renames an accepted domain (when name is not empty) and makes
// it the default (when makeDefault is set), in one transaction.
func (d *Directory) SetDomain(ctx context.Context, identity, name string, makeDefault bool) (AcceptedDomain, error) {
	a, err := d.Domain(ctx, identity)
	if err != nil {
		return AcceptedDomain{}, err
	}
	t, err := d.begin(ctx)
	if err != nil {
		return AcceptedDomain{}, err
	}
	defer t.Rollback()
	if name != "" {
		if err := checkDomainLabel(name); err != nil {
			return AcceptedDomain{}, err
		}
		if err := nameFree(ctx, t, name, a.DomainName); err != nil {
			return AcceptedDomain{}, err
		}
		if _, err := t.exec(ctx, `INSERT INTO accepted_domain_names(domain, display_name) VALUES(?,?)
			ON CONFLICT(domain) DO UPDATE SET display_name = excluded.display_name`, a.DomainName, name); err != nil {
			return AcceptedDomain{}, err
		}
		a.Name = name
	}
	if makeDefault {
		if _, err := t.exec(ctx, `UPDATE accepted_domains SET is_default = CASE WHEN name = ? THEN 1 ELSE 0 END`, a.DomainName); err != nil {
			return AcceptedDomain{}, err
		}
		a.Default = true
	}
	return a, t.Commit()
}

// RemoveDomain removes an accepted domain that is not the default and
// that no mailbox's address uses.
func (d *Directory) RemoveDomain(ctx context.Context, identity string) error {
	a, err := d.Domain(ctx, identity)
	if err != nil {
		return err
	}
	if a.Default {
		return domainErr(ErrInUse, "%s is the default accepted domain and can't be removed: make another domain the default first (Set-AcceptedDomain -MakeDefault $true)", a.DomainName)
	}
	t, err := d.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var n int
	if err := t.queryRow(ctx, `SELECT count(*) FROM users WHERE domain = ?`, a.DomainName).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return domainErr(ErrInUse, "the accepted domain %s can't be removed: %d mailbox(es) have addresses in it", a.DomainName, n)
	}
	if _, err := t.exec(ctx, `DELETE FROM accepted_domains WHERE name = ? AND is_default = 0`, a.DomainName); err != nil {
		return err
	}
	return t.Commit()
}

// CheckDomainName folds a domain name to lower case and checks that it
// is a host name (RFC 1123 2.1: letters, digits and hyphens in labels of
// 1 to 63 octets, at most 253 in all, with at least two labels).
// Wildcard and internationalized domains are refused.
func CheckDomainName(s string) (string, error) {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	bad := func(why string) (string, error) {
		return "", domainErr(ErrBadName, "%q is not a valid domain name: %s", s, why)
	}
	switch {
	case s == "":
		return bad("it is empty")
	case len(s) > 253:
		return bad("it is longer than 253 characters")
	case strings.HasPrefix(s, "*"):
		return bad("wildcard accepted domains are not supported")
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return bad("it needs at least two labels, as in contoso.com")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return bad("each label is 1 to 63 characters")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return bad("a label can't start or end with a hyphen")
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return bad("only letters, digits and hyphens are allowed (use the xn-- form of an internationalized name)")
			}
		}
	}
	return s, nil
}

// checkDomainLabel checks an accepted domain's Name.
func checkDomainLabel(name string) error {
	if name == "" || utf8.RuneCountInString(name) > maxDomainNameLen || !utf8.ValidString(name) || strings.TrimSpace(name) != name {
		return domainErr(ErrBadName, "the Name %q must be 1 to %d characters without leading or trailing spaces", name, maxDomainNameLen)
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return domainErr(ErrBadName, "the Name %q contains a control character", name)
		}
	}
	return nil
}
