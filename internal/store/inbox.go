package store

import (
	"context"
	"errors"
)

// InboxOf reads account a's Inbox. With create, an account that has no
// folders yet gets them first (CreateAccount), as Exchange creates a
// mailbox at its first logon or delivery.
func InboxOf(ctx context.Context, st Store, a AccountID, create bool) (Folder, error) {
	f, err := st.Folder(ctx, a, Inbox)
	if !errors.Is(err, ErrNotFound) || !create {
		return f, err
	}
	if err := st.CreateAccount(ctx, a); err != nil && !errors.Is(err, ErrExists) {
		return f, err
	}
	return st.Folder(ctx, a, Inbox)
}
