package directory

import "context"

// Administrators are the users who may use the admin API remotely (over
// HTTPS, with their mailbox credentials), as members of Exchange's
// "Organization Management" role group may run every cmdlet. The flag is
// kept in the administrators table; removing a user removes it.

// SetAdministrator grants (on) or revokes the administrator role.
func (d *Directory) SetAdministrator(ctx context.Context, id int64, on bool) error {
	if _, err := d.UserByID(ctx, id); err != nil {
		return err
	}
	q := `DELETE FROM administrators WHERE user_id = ?`
	if on {
		q = `INSERT INTO administrators(user_id) VALUES(?) ON CONFLICT DO NOTHING`
	}
	_, err := d.exec(ctx, q, id)
	return err
}

// IsAdministrator reports whether the user holds the administrator role.
func (d *Directory) IsAdministrator(ctx context.Context, id int64) (bool, error) {
	var n int
	err := d.queryRow(ctx, `SELECT count(*) FROM administrators WHERE user_id = ?`, id).Scan(&n)
	return n > 0, err
}

// Administrators lists the users holding the administrator role, by alias.
func (d *Directory) Administrators(ctx context.Context) ([]User, error) {
	return d.queryUsers(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (SELECT user_id FROM administrators) ORDER BY alias`)
}
