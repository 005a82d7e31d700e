// Package storetest is the conformance suite every store.Store backend must
// pass. A backend's test calls Run with a function that opens a fresh, empty
// store for one test and arranges (t.Cleanup) to close it.
//
// The suite checks the contract of package store as the protocols rely on
// it: folder naming and rename rules, UID/UIDVALIDITY/mod-sequence rules,
// byte-identical bodies, flag canonicalisation, change events, and
// concurrent deliveries. Where the store contract leaves a choice open the
// suite accepts every reasonable answer; where it asserts a choice (e.g.
// Deliver is all or nothing) the test says so.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// Run runs the conformance suite. open must return a new, empty store each
// time it is called; subtests run in parallel, each with its own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Accounts", testAccounts},
		{"FolderNames", testFolderNames},
		{"DeleteFolder", testDeleteFolder},
		{"RenameFolder", testRenameFolder},
		{"RenameInbox", testRenameInbox},
		{"Subscribed", testSubscribed},
		{"Deliver", testDeliver},
		{"Append", testAppend},
		{"Bodies", testBodies},
		{"OpenMissing", testOpenMissing},
		{"OpenThenExpunge", testOpenThenExpunge},
		{"StoreFlags", testStoreFlags},
		{"Expunge", testExpunge},
		{"Changes", testChanges},
		{"Expunged", testExpunged},
		{"Recent", testRecent},
		{"SharedBlob", testSharedBlob},
		{"CopyMove", testCopyMove},
		{"UIDRules", testUIDRules},
		{"Subscribe", testSubscribe},
		{"ConcurrentDeliver", testConcurrentDeliver},
		{"Canceled", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// defaultNames is the folder list of a new account, sorted by name.
func defaultNames() []string {
	names := append([]string{store.Inbox}, store.DefaultFolders...)
	slices.Sort(names)
	return names
}

func newAccount(t *testing.T, s store.Store, a store.AccountID) {
	t.Helper()
	if err := s.CreateAccount(t.Context(), a); err != nil {
		t.Fatalf("CreateAccount(%d): %v", a, err)
	}
}

func getFolder(t *testing.T, s store.Store, a store.AccountID, name string) store.Folder {
	t.Helper()
	f, err := s.Folder(t.Context(), a, name)
	if err != nil {
		t.Fatalf("Folder(%d, %q): %v", a, name, err)
	}
	return f
}

func createFolder(t *testing.T, s store.Store, a store.AccountID, name string) store.Folder {
	t.Helper()
	f, err := s.CreateFolder(t.Context(), a, name)
	if err != nil {
		t.Fatalf("CreateFolder(%d, %q): %v", a, name, err)
	}
	return f
}

func appendMsg(t *testing.T, s store.Store, f store.FolderID, body []byte, flags ...string) store.Message {
	t.Helper()
	m, err := s.Append(t.Context(), f, store.NewMessage{Body: bytes.NewReader(body), Flags: flags})
	if err != nil {
		t.Fatalf("Append(%d): %v", f, err)
	}
	return m
}

func listMessages(t *testing.T, s store.Store, f store.FolderID) []store.Message {
	t.Helper()
	ms, err := s.Messages(t.Context(), f)
	if err != nil {
		t.Fatalf("Messages(%d): %v", f, err)
	}
	return ms
}

func uidsOf(ms []store.Message) []uint32 {
	out := []uint32{}
	for _, m := range ms {
		out = append(out, m.UID)
	}
	return out
}

func readBody(t *testing.T, s store.Store, f store.FolderID, uid uint32) []byte {
	t.Helper()
	b, err := s.Open(t.Context(), f, uid)
	if err != nil {
		t.Fatalf("Open(%d, %d): %v", f, uid, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("read body %d/%d: %v", f, uid, err)
	}
	if b.Size() != int64(len(data)) {
		t.Errorf("Open(%d, %d).Size() = %d, read %d bytes", f, uid, b.Size(), len(data))
	}
	return data
}

func wantBody(t *testing.T, s store.Store, f store.FolderID, uid uint32, want []byte) {
	t.Helper()
	if got := readBody(t, s, f, uid); !bytes.Equal(got, want) {
		t.Errorf("body of %d/%d: got %d bytes, want %d bytes (identical)", f, uid, len(got), len(want))
	}
}

func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: err = %v, want %v", what, err, kind)
	}
}

// sortedFlags returns flags sorted, for comparisons that ignore order.
func sortedFlags(flags []string) []string {
	out := slices.Clone(flags)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func wantFlags(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(sortedFlags(got), sortedFlags(want)) {
		t.Errorf("%s: flags = %q, want %q", what, got, want)
	}
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func testCanceled(t *testing.T, s store.Store) {
	const a = 1
	newAccount(t, s, a)
	in := getFolder(t, s, a, store.Inbox)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte("x"))})
	wantErr(t, "Append with a canceled context", err, context.Canceled)
	_, err = s.Deliver(ctx, []store.AccountID{a}, bytes.NewReader([]byte("y")), time.Time{})
	wantErr(t, "Deliver with a canceled context", err, context.Canceled)
	if ms := listMessages(t, s, in.ID); len(ms) != 0 {
		t.Errorf("after canceled writes the Inbox has %d messages, want 0", len(ms))
	}
}
