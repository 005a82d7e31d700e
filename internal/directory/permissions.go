package directory

import (
	"context"
	"errors"
)

// ErrOwnMailbox refuses a permission on a user's own mailbox, which they
// always have.
var ErrOwnMailbox = errors.New("a user always has full access to their own mailbox")

// Full access to another user's mailbox (Exchange's Add-MailboxPermission
// -AccessRights FullAccess): the user may open that mailbox over IMAP4 by
// delegate logon (spec §1, MS-OXIMAP4 2.2.2) with their own password.
// Removing either user removes the permission.

// SetFullAccess grants (on) or revokes user's full access to mailbox.
func (d *Directory) SetFullAccess(ctx context.Context, mailbox, user int64, on bool) error {
	if mailbox == user {
		return ErrOwnMailbox
	}
	for _, id := range []int64{mailbox, user} {
		if _, err := d.UserByID(ctx, id); err != nil {
			return err
		}
	}
	q := `DELETE FROM mailbox_permissions WHERE mailbox_id = ? AND user_id = ?`
	if on {
		q = `INSERT INTO mailbox_permissions(mailbox_id, user_id) VALUES(?, ?) ON CONFLICT DO NOTHING`
	}
	_, err := d.exec(ctx, q, mailbox, user)
	return err
}

// HasFullAccess reports whether user has full access to mailbox.
func (d *Directory) HasFullAccess(ctx context.Context, mailbox, user int64) (bool, error) {
	var n int
	err := d.queryRow(ctx, `SELECT count(*) FROM mailbox_permissions WHERE mailbox_id = ? AND user_id = ?`, mailbox, user).Scan(&n)
	return n > 0, err
}

// FullAccessUsers lists the users with full access to mailbox, by alias.
func (d *Directory) FullAccessUsers(ctx context.Context, mailbox int64) ([]User, error) {
	return d.queryUsers(ctx, `SELECT `+userColumns+` FROM users WHERE id IN
		(SELECT user_id FROM mailbox_permissions WHERE mailbox_id = ?) ORDER BY alias`, mailbox)
}
