package sqlite

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

func mimeAnalyzer(r io.Reader) ([]byte, error) {
	p, err := mime.Parse(r, mime.Options{})
	if err != nil {
		return nil, err
	}
	return p.MarshalBinary()
}

var textMessages = []string{
	"From: Carol <carol@mail.test>\r\nTo: alice@mail.test\r\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=\r\n\r\nplain hello\r\n",
	"From: bob@mail.test\r\nTo: Dave <dave@mail.test>\r\nCc: erin@mail.test\r\nBcc: frank@mail.test\r\nSubject: =?ISO-8859-1?Q?Caf=E9_cr=E8me?=\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThe qu=\r\nick brown f=C3=B6x\r\n",
	"From: bob@mail.test\r\nSubject: b64\r\nX-Custom: magic\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("Secret rendezvous at the old mill, Zürich\n")) + "\r\n",
	"From: bob@mail.test\r\nSubject: report\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\nSee the attached report\r\n" +
		"--XX\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte("PDFSECRETWORD")) + "\r\n--XX--\r\n",
	"Subject: nul\x00 and \xff bytes\r\n\r\nbody with a NUL\x00 and bad \xc3 UTF-8, MiXeD\r\n",
}

// truth answers a text search the way the IMAP matcher does, from the
// message itself.
func truth(t *testing.T, msg string, field store.TextField, needle string) bool {
	p, err := mime.Parse(strings.NewReader(msg), mime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReader(msg)
	n := strings.ToLower(needle)
	header := func(names []string, not bool) bool {
		raw, err := mime.HeaderFields(r, p, names, not)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range mime.HeaderValues(raw) {
			if strings.Contains(strings.ToLower(v), n) {
				return true
			}
		}
		return false
	}
	body := func() bool {
		b, err := io.ReadAll(mime.TextReader(r, p))
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Contains(bytes.ToLower(b), []byte(n))
	}
	switch field {
	case store.TextBody:
		return body()
	case store.TextAll:
		return header(nil, true) || body()
	case store.TextHeader:
		return header(nil, true)
	}
	name := map[store.TextField]string{store.TextSubject: "Subject", store.TextFrom: "From", store.TextTo: "To",
		store.TextCc: "Cc", store.TextBcc: "Bcc"}[field]
	return header([]string{name}, false)
}

func textDocs(t *testing.T, db *DB) int {
	var n int
	if err := db.rdb.QueryRow(`SELECT count(*) FROM text_docs`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTextIndexSuperset checks that the candidates always hold the true
// matches, that the index narrows, and that short needles are left to
// the caller.
func TestTextIndexSuperset(t *testing.T) {
	for _, analyze := range []store.Analyzer{mimeAnalyzer, nil} {
		ctx := context.Background()
		db := openTest(t, Options{Analyze: analyze})
		if err := db.CreateAccount(ctx, 1); err != nil {
			t.Fatal(err)
		}
		inbox, err := db.Folder(ctx, 1, store.Inbox)
		if err != nil {
			t.Fatal(err)
		}
		uid := map[uint32]string{}
		for i, m := range textMessages {
			if i%2 == 0 {
				d, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(m), time.Now())
				if err != nil {
					t.Fatal(err)
				}
				uid[d[0].UID] = m
			} else {
				a, err := db.Append(ctx, inbox.ID, store.NewMessage{Body: strings.NewReader(m)})
				if err != nil {
					t.Fatal(err)
				}
				uid[a.UID] = m
			}
		}
		if n := textDocs(t, db); n != len(textMessages) {
			t.Fatalf("%d documents, want %d", n, len(textMessages))
		}
		needles := []string{"quick brown", "ck b", "FÖX", "grüße", "münchen", "café cr", "carol", "dave", "erin", "frank",
			"magic", "rendezvous", "zürich", "pdfsecret", "attached", "mixed", "nul\x00 a", "mail.test", "bob@", "\"hi\"", "xyzzy"}
		fields := []store.TextField{store.TextBody, store.TextAll, store.TextHeader, store.TextSubject, store.TextFrom,
			store.TextTo, store.TextCc, store.TextBcc}
		narrowed := 0
		for _, n := range needles {
			for _, f := range fields {
				c, ok, err := db.TextCandidates(ctx, inbox.ID, f, n)
				if err != nil {
					t.Fatalf("%q in %d: %v", n, f, err)
				}
				if !ok {
					if n != "nul\x00 a" {
						t.Errorf("%q in %d: the index declined", n, f)
					}
					continue
				}
				if len(c.Unindexed) != 0 {
					t.Errorf("%q in %d: unindexed %v", n, f, c.Unindexed)
				}
				for u, m := range uid {
					if truth(t, m, f, n) && !c.May(u) {
						t.Errorf("%q in %d: message %d matches but is no candidate", n, f, u)
					}
				}
				if len(c.Match) < len(uid) {
					narrowed++
				}
			}
		}
		if narrowed == 0 {
			t.Error("the index never narrowed a search")
		}
		for _, n := range []string{"", "q", "zü", "ÖX"} {
			if _, ok, _ := db.TextCandidates(ctx, inbox.ID, store.TextBody, n); ok {
				t.Errorf("needle %q of fewer than 3 characters accepted", n)
			}
		}
		db.SetTextSearch(false)
		if _, ok, _ := db.TextCandidates(ctx, inbox.ID, store.TextBody, "quick"); ok {
			t.Error("SetTextSearch(false) did not turn the search off")
		}
	}
}

// TestTextIndexLifecycle checks that the document is shared by copies,
// stays while one message names the blob and goes with the last.
func TestTextIndexLifecycle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t, Options{Analyze: mimeAnalyzer})
	for _, a := range []store.AccountID{1, 2} {
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	d, err := db.Deliver(ctx, []store.AccountID{1, 2}, strings.NewReader(textMessages[1]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateFolder(ctx, 1, "Other")
	if err != nil {
		t.Fatal(err)
	}
	_, dst, err := db.Copy(ctx, d[0].Folder, []uint32{d[0].UID}, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := textDocs(t, db); n != 1 {
		t.Fatalf("%d documents, want 1", n)
	}
	c, ok, err := db.TextCandidates(ctx, other.ID, store.TextBody, "quick")
	if err != nil || !ok || !slices.Equal(c.Match, dst) {
		t.Fatalf("candidates of the copy: %+v %v %v", c, ok, err)
	}
	for _, x := range []struct {
		f   store.FolderID
		uid uint32
	}{{d[0].Folder, d[0].UID}, {other.ID, dst[0]}} {
		if _, err := db.Expunge(ctx, x.f, []uint32{x.uid}); err != nil {
			t.Fatal(err)
		}
		if n := textDocs(t, db); n != 1 {
			t.Fatalf("%d documents while a message names the blob", n)
		}
	}
	if _, err := db.Expunge(ctx, d[1].Folder, []uint32{d[1].UID}); err != nil {
		t.Fatal(err)
	}
	if n := textDocs(t, db); n != 0 {
		t.Fatalf("%d documents after the last expunge", n)
	}
	var n int
	if err := db.rdb.QueryRow(`SELECT count(*) FROM text_fts WHERE text_fts MATCH '"qui"'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d index rows after the last expunge (%v)", n, err)
	}
	// A folder deleted takes its documents too.
	if _, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(textMessages[0]), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := textDocs(t, db); n != 0 {
		t.Fatalf("%d documents after the account went", n)
	}
}

// TestTextIndexUnindexed checks that messages without a document (stored
// before the index, or with the index off) are always candidates.
func TestTextIndexUnindexed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, Options{Dir: dir, Analyze: mimeAnalyzer, NoTextIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	old, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(textMessages[0]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.TextCandidates(ctx, old[0].Folder, store.TextBody, "hello"); ok {
		t.Error("NoTextIndex: the index narrowed a search")
	}
	if n := textDocs(t, db); n != 0 {
		t.Fatalf("NoTextIndex: %d documents", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, Options{Dir: dir, Analyze: mimeAnalyzer})
	now, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(textMessages[1]), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// A copy of an unindexed message stays unindexed.
	_, cp, err := db.Copy(ctx, old[0].Folder, []uint32{old[0].UID}, old[0].Folder)
	if err != nil {
		t.Fatal(err)
	}
	c, ok, err := db.TextCandidates(ctx, old[0].Folder, store.TextBody, "xyzzy")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if len(c.Match) != 0 || !slices.Equal(c.Unindexed, []uint32{old[0].UID, cp[0]}) {
		t.Fatalf("candidates %+v, want unindexed %d and %d only", c, old[0].UID, cp[0])
	}
	c, _, _ = db.TextCandidates(ctx, old[0].Folder, store.TextBody, "quick")
	if !slices.Equal(c.Match, []uint32{now[0].UID}) || !c.May(old[0].UID) || !c.May(now[0].UID) {
		t.Fatalf("candidates %+v", c)
	}
	// Past maxIndexDocs documents the folder is read instead: the same
	// answer.
	defer func(n int) { maxIndexDocs = n }(maxIndexDocs)
	maxIndexDocs = 0
	byFolder, _, _ := db.TextCandidates(ctx, old[0].Folder, store.TextBody, "quick")
	if !slices.Equal(byFolder.Match, c.Match) || !slices.Equal(byFolder.Unindexed, c.Unindexed) {
		t.Fatalf("by the folder %+v, by the index %+v", byFolder, c)
	}
	// A blob left out of text_unindexed (a database damaged, or made by
	// a build that kept no such list) is a problem for check, which
	// --repair fixes.
	if _, err := db.wdb.ExecContext(ctx, `DELETE FROM text_unindexed`); err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Check(ctx, false, false); err != nil || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "neither indexed nor listed") {
		t.Fatalf("check: %+v %v", rep.Problems, err)
	}
	if rep, err := db.Check(ctx, false, true); err != nil || len(rep.Problems) != 0 || rep.Unindexed != 0 {
		t.Fatalf("check --repair: %+v %v", rep, err)
	}
	if rep, err := db.Check(ctx, false, false); err != nil || len(rep.Problems) != 0 {
		t.Fatalf("check after repair: %+v %v", rep.Problems, err)
	}
}

// TestTextIndexBackfill: messages stored with the index off are counted by
// Check and indexed by its repair; then the index narrows searches over
// them too.
func TestTextIndexBackfill(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, Options{Dir: dir, Analyze: mimeAnalyzer, NoTextIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var folder store.FolderID
	for _, m := range textMessages[:2] {
		d, err := db.Deliver(ctx, []store.AccountID{1}, strings.NewReader(m), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		folder = d[0].Folder
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, Options{Dir: dir, Analyze: mimeAnalyzer})
	rep, err := db.Check(ctx, false, false)
	if err != nil || rep.Unindexed != 2 {
		t.Fatalf("check: %d unindexed, %v; want 2", rep.Unindexed, err)
	}
	rep, err = db.Check(ctx, false, true)
	if err != nil || rep.Unindexed != 0 || len(rep.Repaired) != 1 {
		t.Fatalf("check --repair: %+v, %v", rep, err)
	}
	c, ok, err := db.TextCandidates(ctx, folder, store.TextBody, "xyzzy")
	if err != nil || !ok || len(c.Unindexed) != 0 || len(c.Match) != 0 {
		t.Fatalf("after the backfill: %+v %v %v", c, ok, err)
	}
}
