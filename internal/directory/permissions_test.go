package directory

import (
	"context"
	"errors"
	"testing"
)

func TestFullAccess(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.directory(t)
		add := func(a string) User {
			u, err := d.AddUser(ctx, NewUser{Address: a, Password: "pw", Database: "Mailbox Database 01"})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		shared, alice, bob := add("shared@mail.test"), add("alice@mail.test"), add("bob@mail.test")
		for range 2 { // granting twice is no error
			if err := d.SetFullAccess(ctx, shared.ID, alice.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := d.HasFullAccess(ctx, shared.ID, alice.ID); !ok || err != nil {
			t.Fatalf("alice: %v %v", ok, err)
		}
		// Not the other way round, and not for others.
		for _, c := range [][2]User{{alice, shared}, {shared, bob}} {
			if ok, _ := d.HasFullAccess(ctx, c[0].ID, c[1].ID); ok {
				t.Errorf("%s has access to %s", c[1].Address(), c[0].Address())
			}
		}
		if list, err := d.FullAccessUsers(ctx, shared.ID); err != nil || len(list) != 1 || list[0].ID != alice.ID {
			t.Fatalf("FullAccessUsers = %v, %v", list, err)
		}
		if err := d.SetFullAccess(ctx, shared.ID, shared.ID, true); !errors.Is(err, ErrOwnMailbox) {
			t.Errorf("access to one's own mailbox: %v", err)
		}
		if err := d.SetFullAccess(ctx, shared.ID, 999, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown user: %v", err)
		}
		if err := d.SetFullAccess(ctx, shared.ID, alice.ID, false); err != nil {
			t.Fatal(err)
		}
		if ok, _ := d.HasFullAccess(ctx, shared.ID, alice.ID); ok {
			t.Error("revoked access remains")
		}
		// Removing either user removes the permission.
		d.SetFullAccess(ctx, shared.ID, bob.ID, true)
		if err := d.RemoveUser(ctx, bob.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := d.FullAccessUsers(ctx, shared.ID); len(list) != 0 {
			t.Errorf("after RemoveUser: %v", list)
		}
	})
}
