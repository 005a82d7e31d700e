package directory

import (
	"context"
	"errors"
	"testing"
)

func TestAdministrators(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		d := b.directory(t)
		u, err := d.AddUser(ctx, NewUser{Address: "admin@mail.test", Password: "pw", Database: "Mailbox Database 01"})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := d.IsAdministrator(ctx, u.ID); ok || err != nil {
			t.Fatalf("new user is administrator: %v %v", ok, err)
		}
		for range 2 { // granting twice is no error
			if err := d.SetAdministrator(ctx, u.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if ok, _ := d.IsAdministrator(ctx, u.ID); !ok {
			t.Fatal("not administrator after SetAdministrator")
		}
		if list, err := d.Administrators(ctx); err != nil || len(list) != 1 || list[0].ID != u.ID {
			t.Fatalf("Administrators = %v, %v", list, err)
		}
		if err := d.SetAdministrator(ctx, 999, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetAdministrator(unknown) = %v", err)
		}
		// Removing the user removes the role.
		if err := d.RemoveUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := d.Administrators(ctx); len(list) != 0 {
			t.Errorf("administrators after RemoveUser: %v", list)
		}
		u2, _ := d.AddUser(ctx, NewUser{Address: "admin@mail.test", Password: "pw", Database: "Mailbox Database 01"})
		if ok, _ := d.IsAdministrator(ctx, u2.ID); ok {
			t.Error("a new user with the same address inherited the role")
		}
	})
}
