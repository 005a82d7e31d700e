package pgstore

import (
	"bytes"
	"slices"
	"testing"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

func TestTextCandidates(t *testing.T) {
	ctx := t.Context()
	s := openStore(t, newPool(t, pgtest.URL(t), 4), Options{})
	if !s.text {
		t.Skip("no pg_trgm")
	}
	const a = 1
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	in, _ := s.Folder(ctx, a, store.Inbox)
	msgs := []string{
		"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: Quarterly Report\r\n\r\nThe numbers are in.\r\n",
		"From: carol@example.net\r\nTo: bob@example.org\r\nCc: dave@example.com\r\nSubject: lunch\r\nX-Mood: 100%_happy\r\n\r\nShall we meet at noon?\r\n",
		"From: bob@example.org\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nViele Gr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n",
	}
	for _, m := range msgs {
		if _, err := s.Append(ctx, in.ID, store.NewMessage{Body: bytes.NewReader([]byte(m))}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		field  store.TextField
		needle string
		want   []uint32
	}{
		{store.TextSubject, "REPORT", []uint32{1}},
		{store.TextSubject, "grüße", []uint32{3}},
		{store.TextFrom, "alice", []uint32{1}},
		{store.TextTo, "bob@", []uint32{1, 2}},
		{store.TextCc, "dave", []uint32{2}},
		{store.TextBcc, "dave", nil},
		{store.TextHeader, "100%_h", []uint32{2}},
		{store.TextHeader, "100%x", nil},
		{store.TextBody, "köln", []uint32{3}},
		{store.TextBody, "alice", nil},
		{store.TextAll, "noon", []uint32{2}},
		{store.TextAll, "example.org", []uint32{1, 2, 3}},
	}
	for _, c := range cases {
		got, ok, err := s.TextCandidates(ctx, in.ID, c.field, c.needle)
		if err != nil || !ok || !slices.Equal(got.Match, c.want) || len(got.Unindexed) != 0 {
			t.Errorf("TextCandidates(%d, %q) = %+v, %v, %v; want match %v", c.field, c.needle, got, ok, err, c.want)
		}
	}
	if _, ok, err := s.TextCandidates(ctx, in.ID, store.TextBody, "ab"); ok || err != nil {
		t.Errorf("a two-letter needle: ok %v, %v; want not narrowed", ok, err)
	}
	// An expunged message's body goes, and its text with it.
	if _, err := s.Expunge(ctx, in.ID, []uint32{3}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM mailbox_texts WHERE db = $1`, s.db).Scan(&n); err != nil || n != 2 {
		t.Errorf("texts after an expunge: %d, %v; want 2", n, err)
	}
}
