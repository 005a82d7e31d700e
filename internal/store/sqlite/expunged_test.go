package sqlite

import (
	"strings"
	"testing"

	"github.com/postern/postern/internal/store"
)

func countExpunged(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	if err := db.rdb.QueryRow(`SELECT COUNT(*) FROM expunged`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The expunge records go with their folder, and with their account.
func TestExpungedDropped(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, Options{})
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	in, _ := db.Folder(ctx, 1, store.Inbox)
	tmp, err := db.CreateFolder(ctx, 1, "Tmp")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.FolderID{in.ID, tmp.ID} {
		for range 3 {
			if _, err := db.Append(ctx, f, store.NewMessage{Body: strings.NewReader("x")}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Expunge(ctx, f, []uint32{1, 2}); err != nil {
			t.Fatal(err)
		}
	}
	if n := countExpunged(t, db); n != 4 {
		t.Fatalf("%d expunge records, want 4", n)
	}
	if err := db.DeleteFolder(ctx, 1, "Tmp"); err != nil {
		t.Fatal(err)
	}
	if n := countExpunged(t, db); n != 2 {
		t.Errorf("after DeleteFolder: %d expunge records, want 2", n)
	}
	if err := db.DeleteAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := countExpunged(t, db); n != 0 {
		t.Errorf("after DeleteAccount: %d expunge records, want 0", n)
	}
}

// A folder that existed before the records were kept (the migration sets
// its floor to its HIGHESTMODSEQ) cannot name the expunges below it.
func TestExpungedFloor(t *testing.T) {
	ctx := t.Context()
	db := openTest(t, Options{})
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	in, _ := db.Folder(ctx, 1, store.Inbox)
	for range 3 {
		if _, err := db.Append(ctx, in.ID, store.NewMessage{Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	in, _ = db.Folder(ctx, 1, store.Inbox)
	// As the migration leaves a folder it finds.
	if err := db.submit(ctx, &item{run: func(w *wtx) error {
		_, err := w.exec(`UPDATE folders SET expunge_floor = highestmodseq WHERE id = ?`, in.ID)
		return err
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Expunge(ctx, in.ID, []uint32{2}); err != nil {
		t.Fatal(err)
	}
	if _, _, exp, named, err := db.ChangesExpunged(ctx, in.ID, in.HighestModSeq-1); err != nil || named || exp != nil {
		t.Errorf("below the floor: %v, %v, %v; want not named", exp, named, err)
	}
	if _, _, exp, named, err := db.ChangesExpunged(ctx, in.ID, in.HighestModSeq); err != nil || !named || len(exp) != 1 || exp[0] != 2 {
		t.Errorf("at the floor: %v, %v, %v; want [2]", exp, named, err)
	}
}
