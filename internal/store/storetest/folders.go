package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

func folderNames(fs []store.Folder) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func listFolders(t *testing.T, s store.Store, a store.AccountID) []store.Folder {
	t.Helper()
	fs, err := s.Folders(t.Context(), a)
	if err != nil {
		t.Fatalf("Folders(%d): %v", a, err)
	}
	return fs
}

func testAccounts(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a, b = 10, 11
	newAccount(t, s, a)
	fs := listFolders(t, s, a)
	if got := folderNames(fs); !slices.Equal(got, defaultNames()) {
		t.Fatalf("new account folders = %q, want %q", got, defaultNames())
	}
	for _, f := range fs {
		if f.Account != a || f.UIDNext != 1 || f.UIDValidity == 0 || f.HighestModSeq == 0 ||
			f.Messages != 0 || f.Unseen != 0 || f.Hidden {
			t.Errorf("new folder %+v: want account %d, UIDNext 1, non-zero UIDValidity and HighestModSeq, empty, not hidden", f, a)
		}
	}
	wantErr(t, "CreateAccount twice", s.CreateAccount(ctx, a), store.ErrExists)
	if fs := listFolders(t, s, b); len(fs) != 0 {
		t.Errorf("Folders of an unknown account = %q, want none", folderNames(fs))
	}

	old := getFolder(t, s, a, store.Inbox)
	appendMsg(t, s, old.ID, []byte("Subject: x\r\n\r\nbody\r\n"))
	if err := s.DeleteAccount(ctx, a); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	if fs := listFolders(t, s, a); len(fs) != 0 {
		t.Errorf("Folders after DeleteAccount = %q, want none", folderNames(fs))
	}
	_, err := s.Messages(ctx, old.ID)
	wantErr(t, "Messages of a deleted account's Inbox", err, store.ErrNotFound)
	wantErr(t, "DeleteAccount twice", s.DeleteAccount(ctx, a), store.ErrNotFound)

	newAccount(t, s, a)
	if again := getFolder(t, s, a, store.Inbox); again.UIDValidity == old.UIDValidity {
		t.Errorf("re-created Inbox has the old UIDVALIDITY %d", old.UIDValidity)
	}
}

func testFolderNames(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 20
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	for _, spelling := range []string{"inbox", "InBoX", "INBOX", "Inbox"} {
		f := getFolder(t, s, a, spelling)
		if f.ID != in.ID || f.Name != store.Inbox {
			t.Errorf("Folder(%q) = %d %q, want %d %q", spelling, f.ID, f.Name, in.ID, store.Inbox)
		}
		_, err := s.CreateFolder(ctx, a, spelling)
		wantErr(t, "CreateFolder("+spelling+")", err, store.ErrExists)
	}
	_, err := s.Folder(ctx, a, "drafts")
	wantErr(t, `Folder("drafts") (names other than INBOX are exact)`, err, store.ErrNotFound)

	deep := createFolder(t, s, a, "a/b/c")
	if deep.Name != "a/b/c" || deep.Account != a || deep.UIDNext != 1 || deep.UIDValidity == 0 {
		t.Errorf("CreateFolder(a/b/c) = %+v", deep)
	}
	_, err = s.Folder(ctx, a, "a")
	wantErr(t, "parent of a/b/c (not created)", err, store.ErrNotFound)
	_, err = s.CreateFolder(ctx, a, "a/b/c")
	wantErr(t, "CreateFolder twice", err, store.ErrExists)
	createFolder(t, s, a, "Projects")
	createFolder(t, s, a, "projects")
	for _, bad := range []string{"", "/x", "x/", "x//y", "/"} {
		_, err := s.CreateFolder(ctx, a, bad)
		wantErr(t, "CreateFolder("+bad+")", err, store.ErrInvalid)
	}
	_, err = s.CreateFolder(ctx, 9999, "x")
	wantErr(t, "CreateFolder for an account that does not exist", err, store.ErrNotFound)

	fs := listFolders(t, s, a)
	names := folderNames(fs)
	if !slices.IsSorted(names) {
		t.Errorf("Folders not sorted by name: %q", names)
	}
	if len(names) != len(defaultNames())+3 {
		t.Errorf("Folders = %q, want the defaults plus a/b/c, Projects, projects", names)
	}
	if got := getFolder(t, s, a, "a/b/c"); got.ID != deep.ID || got.Hidden {
		t.Errorf("Folder(a/b/c) = %+v, want ID %d, not hidden", got, deep.ID)
	}
}

func testDeleteFolder(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 30
	newAccount(t, s, a)
	for _, spelling := range []string{"INBOX", "inbox"} {
		wantErr(t, "DeleteFolder("+spelling+")", s.DeleteFolder(ctx, a, spelling), store.ErrNoPermission)
	}
	wantErr(t, "DeleteFolder(missing)", s.DeleteFolder(ctx, a, "missing"), store.ErrNotFound)

	work := createFolder(t, s, a, "Work")
	createFolder(t, s, a, "Work/Sub")
	m := appendMsg(t, s, work.ID, []byte("to be deleted"))
	if err := s.DeleteFolder(ctx, a, "Work"); err != nil {
		t.Fatalf("DeleteFolder(Work): %v", err)
	}
	_, err := s.Folder(ctx, a, "Work")
	wantErr(t, "Folder(Work) after delete", err, store.ErrNotFound)
	getFolder(t, s, a, "Work/Sub") // children stay
	_, err = s.Messages(ctx, work.ID)
	wantErr(t, "Messages of a deleted folder", err, store.ErrNotFound)
	if _, err := s.Open(ctx, work.ID, m.UID); err == nil {
		t.Errorf("Open of a message in a deleted folder succeeded")
	}
	_, err = s.Append(ctx, work.ID, store.NewMessage{Body: strings.NewReader("x")})
	wantErr(t, "Append to a deleted folder", err, store.ErrNotFound)

	again := createFolder(t, s, a, "Work")
	if again.UIDValidity == work.UIDValidity || again.UIDNext != 1 || again.Messages != 0 {
		t.Errorf("re-created folder %+v: want a new UIDVALIDITY (old %d), UIDNext 1, empty", again, work.UIDValidity)
	}
}

func testRenameFolder(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 40
	newAccount(t, s, a)
	fa := createFolder(t, s, a, "a")
	fab := createFolder(t, s, a, "a/b")
	fabc := createFolder(t, s, a, "a/b/c")
	createFolder(t, s, a, "ab") // a sibling with a common prefix, not a child
	body := []byte("in a/b")
	m := appendMsg(t, s, fab.ID, body, store.FlagFlagged)

	if err := s.RenameFolder(ctx, a, "a", "x"); err != nil {
		t.Fatalf("RenameFolder(a, x): %v", err)
	}
	for name, was := range map[string]store.Folder{"x": fa, "x/b": fab, "x/b/c": fabc} {
		f := getFolder(t, s, a, name)
		if f.ID != was.ID || f.UIDValidity != was.UIDValidity {
			t.Errorf("%s after rename = %+v, want the former %s (ID %d, UIDVALIDITY %d)",
				name, f, was.Name, was.ID, was.UIDValidity)
		}
	}
	for _, gone := range []string{"a", "a/b", "a/b/c"} {
		_, err := s.Folder(ctx, a, gone)
		wantErr(t, "Folder("+gone+") after rename", err, store.ErrNotFound)
	}
	getFolder(t, s, a, "ab")
	ms := listMessages(t, s, getFolder(t, s, a, "x/b").ID)
	if len(ms) != 1 || ms[0].UID != m.UID {
		t.Fatalf("messages of x/b = %+v, want UID %d", ms, m.UID)
	}
	wantFlags(t, "renamed message", ms[0].Flags, []string{store.FlagFlagged})
	wantBody(t, s, fab.ID, m.UID, body)

	wantErr(t, "rename missing", s.RenameFolder(ctx, a, "nope", "n"), store.ErrNotFound)
	wantErr(t, "rename onto existing", s.RenameFolder(ctx, a, "x", "Drafts"), store.ErrExists)
	wantErr(t, "rename onto itself", s.RenameFolder(ctx, a, "x", "x"), store.ErrExists)
	wantErr(t, "rename onto inbox", s.RenameFolder(ctx, a, "x", "inbox"), store.ErrExists)
	wantErr(t, "rename into own subtree", s.RenameFolder(ctx, a, "x", "x/y"), store.ErrInvalid)
	createFolder(t, s, a, "y/b")
	wantErr(t, "rename where a child's target exists", s.RenameFolder(ctx, a, "x", "y"), store.ErrExists)
	getFolder(t, s, a, "x/b") // the failed rename changed nothing

	// A child may move onto the old name of another moving folder.
	pq := createFolder(t, s, a, "p/q")
	pqq := createFolder(t, s, a, "p/q/q")
	if err := s.RenameFolder(ctx, a, "p/q", "p"); err != nil {
		t.Fatalf("RenameFolder(p/q, p): %v", err)
	}
	if got := getFolder(t, s, a, "p"); got.ID != pq.ID {
		t.Errorf("p after rename is folder %d, want %d", got.ID, pq.ID)
	}
	if got := getFolder(t, s, a, "p/q"); got.ID != pqq.ID {
		t.Errorf("p/q after rename is folder %d, want %d", got.ID, pqq.ID)
	}
}

func testRenameInbox(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 50
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	bodies := [][]byte{[]byte("one"), []byte("two\n"), []byte("three\r\n")}
	for i, b := range bodies {
		flags := []string{}
		if i == 1 {
			flags = []string{store.FlagSeen, "$Work"}
		}
		appendMsg(t, s, in.ID, b, flags...)
	}
	createFolder(t, s, a, "INBOX/child")
	before := getFolder(t, s, a, store.Inbox)

	if err := s.RenameFolder(ctx, a, "inbox", "Old Mail"); err != nil {
		t.Fatalf("RenameFolder(inbox, Old Mail): %v", err)
	}
	after := getFolder(t, s, a, store.Inbox)
	if after.ID != in.ID || after.Messages != 0 || after.Unseen != 0 ||
		after.UIDNext < before.UIDNext || after.UIDValidity != before.UIDValidity {
		t.Errorf("Inbox after rename = %+v, want the same folder, empty, UIDNext >= %d, UIDVALIDITY %d",
			after, before.UIDNext, before.UIDValidity)
	}
	if ms := listMessages(t, s, in.ID); len(ms) != 0 {
		t.Errorf("Inbox after rename has %d messages", len(ms))
	}
	old := getFolder(t, s, a, "Old Mail")
	ms := listMessages(t, s, old.ID)
	if len(ms) != len(bodies) || old.Messages != len(bodies) || old.Unseen != 2 {
		t.Fatalf("Old Mail = %+v with %d messages, want %d messages, 2 unseen", old, len(ms), len(bodies))
	}
	for i, m := range ms {
		wantBody(t, s, old.ID, m.UID, bodies[i])
		if m.Size != int64(len(bodies[i])) {
			t.Errorf("moved message %d size %d, want %d", i, m.Size, len(bodies[i]))
		}
	}
	wantFlags(t, "moved message 2", ms[1].Flags, []string{store.FlagSeen, "$Work"})
	getFolder(t, s, a, "INBOX/child")

	d, err := s.Deliver(ctx, []store.AccountID{a}, strings.NewReader("after"), time.Time{})
	if err != nil {
		t.Fatalf("Deliver after rename: %v", err)
	}
	if d[0].UID < before.UIDNext {
		t.Errorf("Inbox reused UID %d after rename (UIDNEXT was %d)", d[0].UID, before.UIDNext)
	}
	wantErr(t, "rename Inbox onto existing", s.RenameFolder(ctx, a, store.Inbox, "Drafts"), store.ErrExists)
}

func testSubscribed(t *testing.T, s store.Store) {
	ctx := t.Context()
	const a = 60
	newAccount(t, s, a)
	createFolder(t, s, a, "News")
	for _, on := range []bool{true, false, true} {
		if err := s.SetSubscribed(ctx, a, "News", on); err != nil {
			t.Fatalf("SetSubscribed(News, %v): %v", on, err)
		}
		if got := getFolder(t, s, a, "News").Subscribed; got != on {
			t.Errorf("after SetSubscribed(%v) Subscribed = %v", on, got)
		}
	}
	if err := s.SetSubscribed(ctx, a, "inbox", false); err != nil {
		t.Fatalf("SetSubscribed(inbox): %v", err)
	}
	if getFolder(t, s, a, store.Inbox).Subscribed {
		t.Errorf("Inbox still subscribed")
	}
	wantErr(t, "SetSubscribed(missing)", s.SetSubscribed(ctx, a, "missing", true), store.ErrNotFound)
}
