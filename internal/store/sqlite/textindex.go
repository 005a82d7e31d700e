package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

// The full-text index (migration 0004_fts.sql) narrows IMAP SEARCH on
// text. Each blob gets at most one document: the decoded text the search
// keys compare (mime.HeaderFields + mime.HeaderValues for the header keys,
// mime.TextReader for BODY and TEXT), lower-cased here with the same
// function the exact matcher uses, in an FTS5 table with the trigram
// tokenizer (case-sensitive, since the text is already folded) and no
// positions (detail = column). A needle of three characters or more is
// looked up as the AND of its trigrams (trigramQuery): every document
// holding it as a substring is found, with some that merely hold the
// pieces. The index only ever excludes: the searcher confirms each
// candidate against the message itself.
//
// The document is made in the caller's goroutine (Deliver, Append), from
// the blob and its analysis, and written in the transaction of the item
// that adds the first row naming the blob, after the batch's last item
// (indexTexts); it goes with the structure when the writer finds the blob
// unreferenced (findUnreferenced). A blob without a
// document (stored before the index existed, copied from such a one, text
// too large, a message the MIME parser refused) is always a candidate.

const (
	// minNeedle is the shortest needle, in characters, the trigram index
	// can look up.
	minNeedle = 3
	// maxIndexedText bounds the decoded body text indexed for one blob;
	// a blob with more is left unindexed.
	maxIndexedText = 4 << 20
	// readWhole is the size up to which a blob is read into memory once
	// rather than read piecewise from its file.
	readWhole = 1 << 20
)

// textDoc is one blob's indexed text, lower-cased.
type textDoc struct {
	subj, from, to, cc, bcc, hdr, body string
}

// textOf makes the document of a stored blob, or nil if it has none (the
// index is off, or the text cannot be had). Failures are not errors: the
// blob simply stays unindexed.
func (db *DB) textOf(ref blobRef) *textDoc {
	if db.opt.NoTextIndex {
		return nil
	}
	f, err := os.Open(db.blobs.path(ref.hash))
	if err != nil {
		return nil
	}
	defer f.Close()
	var r io.ReaderAt = f
	if ref.size <= readWhole {
		buf := make([]byte, ref.size)
		if _, err := io.ReadFull(f, buf); err != nil {
			return nil
		}
		r = bytes.NewReader(buf)
	}
	p := &mime.Part{}
	if ref.structure == nil || !mime.IsCurrent(ref.structure) || p.UnmarshalBinary(ref.structure) != nil {
		if p, err = mime.Parse(io.NewSectionReader(r, 0, ref.size), mime.Options{}); err != nil {
			return nil
		}
	}
	return docOf(r, p)
}

// docOf extracts the indexed text of the message r whose structure is p.
func docOf(r io.ReaderAt, p *mime.Part) *textDoc {
	// Exactly what the matcher reads: HeaderFields, then HeaderValues.
	values := func(names []string, not bool) (string, bool) {
		raw, err := mime.HeaderFields(r, p, names, not)
		if err != nil {
			return "", false
		}
		vals := mime.HeaderValues(raw)
		for i := range vals {
			vals[i] = strings.ToLower(vals[i])
		}
		return clean(strings.Join(vals, "\n")), true
	}
	var d textDoc
	// The five fields have columns of their own; hdr holds the others,
	// so that a key on any field looks in all six.
	own := []string{"Subject", "From", "To", "Cc", "Bcc"}
	for i, dst := range []*string{&d.subj, &d.from, &d.to, &d.cc, &d.bcc, &d.hdr} {
		var ok bool
		if i < len(own) {
			*dst, ok = values(own[i:i+1], false)
		} else {
			*dst, ok = values(own, true)
		}
		if !ok {
			return nil
		}
	}
	body, err := io.ReadAll(io.LimitReader(mime.TextReader(r, p), maxIndexedText+1))
	if err != nil || len(body) > maxIndexedText {
		return nil
	}
	d.body = clean(string(bytes.ToLower(body)))
	return &d
}

// clean replaces NULs, which the exact matcher never sees in a needle the
// index is asked about.
func clean(s string) string { return strings.ReplaceAll(s, "\x00", " ") }

// pendingText is a document an item asked to index.
type pendingText struct {
	hash string
	doc  *textDoc
}

// keepText asks for blob hash's document to be written, unless it has one
// already, at the end of the batch (indexTexts).
func (w *wtx) keepText(hash string, d *textDoc) error {
	if d != nil {
		w.texts = append(w.texts, pendingText{hash, d})
	} else {
		w.noText = append(w.noText, hash)
	}
	return nil
}

// indexTexts writes the documents the batch's items asked for, after the
// last item's savepoint: FTS5 flushes its pending terms into a new
// segment at every savepoint, so writing them inside the items' would
// make one segment (and the merges that follow) per message. They are
// written under one savepoint of their own: if that fails, the batch
// still commits and the blobs stay unindexed, which a search handles.
func (w *wtx) indexTexts() error {
	if len(w.texts) > 0 {
		if _, err := w.exec(`SAVEPOINT texts`); err != nil {
			return errTemp("savepoint", err)
		}
		err := w.writeTexts()
		if err != nil {
			w.log.Warn("cannot index message text", slog.Any("err", err))
			if _, err := w.exec(`ROLLBACK TO texts`); err != nil {
				return errTemp("rollback to savepoint", err)
			}
			for _, t := range w.texts {
				w.noText = append(w.noText, t.hash)
			}
		}
		if _, err := w.exec(`RELEASE texts`); err != nil {
			return errTemp("release savepoint", err)
		}
	}
	return w.markUnindexed()
}

// markUnindexed records the batch's blobs that have no document, so that
// a search considers their messages (text_unindexed).
func (w *wtx) markUnindexed() error {
	if len(w.noText) == 0 {
		return nil
	}
	ins, err := w.prepared(`INSERT OR IGNORE INTO text_unindexed (blob)
		SELECT ? WHERE NOT EXISTS (SELECT 1 FROM text_docs WHERE blob = ?)`)
	if err != nil {
		return errTemp("mark unindexed", err)
	}
	for _, h := range w.noText {
		if _, err := ins.Exec(h, h); err != nil {
			return errTemp("mark unindexed", err)
		}
	}
	return nil
}

func (w *wtx) writeTexts() error {
	ins, err := w.prepared(`INSERT INTO text_docs (blob) VALUES (?) ON CONFLICT (blob) DO NOTHING RETURNING id`)
	if err != nil {
		return err
	}
	fts, err := w.prepared(`INSERT INTO text_fts (rowid, subj, hfrom, hto, hcc, hbcc, hdr, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	// All of text_docs first: a statement on another table while FTS5
	// holds pending terms makes it flush them into a segment.
	ids := make([]int64, len(w.texts))
	for i, t := range w.texts {
		switch err := ins.QueryRow(t.hash).Scan(&ids[i]); {
		case isNoRows(err):
			ids[i] = 0 // indexed already
		case err != nil:
			return err
		}
	}
	for i, t := range w.texts {
		if ids[i] == 0 {
			continue
		}
		d := t.doc
		if _, err := fts.Exec(ids[i], d.subj, d.from, d.to, d.cc, d.bcc, d.hdr, d.body); err != nil {
			return err
		}
	}
	// A blob indexed now (the backfill) is no longer unindexed.
	del, err := w.prepared(`DELETE FROM text_unindexed WHERE blob = ?`)
	if err != nil {
		return err
	}
	for i, t := range w.texts {
		if ids[i] != 0 {
			if _, err := del.Exec(t.hash); err != nil {
				return err
			}
		}
	}
	return nil
}

// forgetText drops blob hash's document, if it has one.
func (w *wtx) forgetText(hash string) error {
	if _, err := w.exec(`DELETE FROM text_unindexed WHERE blob = ?`, hash); err != nil {
		return errTemp("forget text", err)
	}
	var id int64
	switch err := w.queryRow(`DELETE FROM text_docs WHERE blob = ? RETURNING id`, hash).Scan(&id); {
	case isNoRows(err):
		return nil
	case err != nil:
		return errTemp("forget text", err)
	}
	if _, err := w.exec(`DELETE FROM text_fts WHERE rowid = ?`, id); err != nil {
		return errTemp("forget text", err)
	}
	return nil
}

var ftsColumns = map[store.TextField]string{
	store.TextBody:    "{body}",
	store.TextAll:     "{subj hfrom hto hcc hbcc hdr body}",
	store.TextHeader:  "{subj hfrom hto hcc hbcc hdr}",
	store.TextSubject: "{subj}",
	store.TextFrom:    "{hfrom}",
	store.TextTo:      "{hto}",
	store.TextCc:      "{hcc}",
	store.TextBcc:     "{hbcc}",
}

// SetTextSearch turns the use of the full-text index by TextCandidates on
// (the default, unless Options.NoTextIndex) or off; the index is kept up to
// date either way. For comparisons and benchmarks.
func (db *DB) SetTextSearch(on bool) { db.noTextSearch.Store(!on) }

// TextCandidates implements store.TextSearcher.
func (db *DB) TextCandidates(ctx context.Context, f store.FolderID, field store.TextField, needle string) (store.TextCandidates, bool, error) {
	var c store.TextCandidates
	cols, known := ftsColumns[field]
	n := strings.ToLower(needle)
	if !known || db.opt.NoTextIndex || db.noTextSearch.Load() || utf8.RuneCountInString(n) < minNeedle ||
		strings.ContainsRune(n, utf8.RuneError) || strings.ContainsRune(n, 0) {
		return c, false, nil
	}
	query := cols + " : (" + trigramQuery(n) + ")"
	r := reader{db: db}
	ok, err := db.candidatesByIndex(ctx, r, f, query, &c)
	if err == nil && !ok {
		c = store.TextCandidates{}
		err = db.candidatesByFolder(ctx, r, f, query, &c)
	}
	if err != nil {
		return c, false, readErr(ctx, "search text", err)
	}
	return c, true, nil
}

// maxIndexDocs bounds the documents candidatesByIndex reads from the
// index: past it, reading the folder's messages costs less.
var maxIndexDocs = 5000 // a variable for the tests

// candidatesByIndex asks the index for the documents holding the
// needle's trigrams, then the folder's messages with those documents, and
// its messages without one (text_unindexed): a cost in the matches and
// the unindexed messages, not in the folder's size. ok is false when the
// index holds more than maxIndexDocs such documents (a common needle,
// across every mailbox of the database).
func (db *DB) candidatesByIndex(ctx context.Context, r reader, f store.FolderID, query string, c *store.TextCandidates) (bool, error) {
	ids, err := r.QueryContext(ctx, `SELECT rowid FROM text_fts WHERE text_fts MATCH ? LIMIT ?`, query, maxIndexDocs+1)
	if err != nil {
		return false, err
	}
	var list []int64
	for ids.Next() {
		var id int64
		if err := ids.Scan(&id); err != nil {
			ids.Close()
			return false, err
		}
		list = append(list, id)
	}
	ids.Close()
	if err := ids.Err(); err != nil {
		return false, err
	}
	if len(list) > maxIndexDocs {
		return false, nil
	}
	if len(list) > 0 {
		js, _ := json.Marshal(list)
		if c.Match, err = uids(ctx, r, `SELECT m.uid FROM json_each(?) j CROSS JOIN text_docs d CROSS JOIN messages m
			WHERE d.id = j.value AND m.blob = d.blob AND m.folder = ?`, string(js), f); err != nil {
			return false, err
		}
	}
	c.Unindexed, err = uids(ctx, r, `SELECT m.uid FROM text_unindexed u CROSS JOIN messages m
		WHERE m.blob = u.blob AND m.folder = ?`, f)
	return err == nil, err
}

// candidatesByFolder reads the folder's messages and tells, for each,
// whether its document holds the needle's trigrams or it has none.
func (db *DB) candidatesByFolder(ctx context.Context, r reader, f store.FolderID, query string, c *store.TextCandidates) error {
	rows, err := r.QueryContext(ctx, `SELECT m.uid, d.id IS NULL FROM messages m
		LEFT JOIN text_docs d ON d.blob = m.blob
		WHERE m.folder = ? AND (d.id IS NULL OR d.id IN (SELECT rowid FROM text_fts WHERE text_fts MATCH ?))
		ORDER BY m.uid`, f, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid uint32
		var unindexed bool
		if err := rows.Scan(&uid, &unindexed); err != nil {
			return err
		}
		if unindexed {
			c.Unindexed = append(c.Unindexed, uid)
		} else {
			c.Match = append(c.Match, uid)
		}
	}
	return rows.Err()
}

// uids runs a query of one UID column and returns them sorted, without
// repeats.
func uids(ctx context.Context, r reader, q string, args ...any) ([]uint32, error) {
	rows, err := r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	slices.Sort(out)
	return slices.Compact(out), rows.Err()
}

var _ store.TextSearcher = (*DB)(nil)

// maxTrigrams bounds the trigrams of a needle a query names; a document
// holding the needle holds every one of them, so any subset narrows
// soundly.
const maxTrigrams = 24

// trigramQuery returns the FTS5 query for documents holding every trigram
// (three characters) of n, quoted. The table keeps no positions (detail =
// column), so this is a superset of the documents holding n, which the
// searcher's exact match then settles.
func trigramQuery(n string) string {
	r := []rune(n)
	seen := map[string]bool{}
	var terms []string
	for i := 0; i+minNeedle <= len(r); i++ {
		t := string(r[i : i+minNeedle])
		if seen[t] {
			continue
		}
		seen[t] = true
		terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
	}
	if len(terms) > maxTrigrams {
		// Keep an even spread, the first and the last included.
		kept := make([]string, 0, maxTrigrams)
		for i := range maxTrigrams {
			kept = append(kept, terms[i*(len(terms)-1)/(maxTrigrams-1)])
		}
		terms = kept
	}
	return strings.Join(terms, " AND ")
}

// textBackfillBatch is how many documents one backfill write holds.
const textBackfillBatch = 200

// unindexed lists the message files no document covers: stored before
// the index existed, or with it off.
func (db *DB) unindexed(ctx context.Context) ([]blobRef, error) {
	rows, err := db.rdb.QueryContext(ctx, `
SELECT m.blob, max(m.size), s.data FROM messages m
LEFT JOIN text_docs t ON t.blob = m.blob
LEFT JOIN structures s ON s.blob = m.blob
WHERE t.blob IS NULL GROUP BY m.blob`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []blobRef
	for rows.Next() {
		var r blobRef
		if err := rows.Scan(&r.hash, &r.size, &r.structure); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// backfillTexts indexes the message files no document covers, a batch at
// a time through the writer; it returns how many it indexed. A file whose
// text cannot be had stays unindexed (a search reads it).
func (db *DB) backfillTexts(ctx context.Context, refs []blobRef) (int, error) {
	if db.opt.NoTextIndex {
		return 0, nil
	}
	done := 0
	for len(refs) > 0 {
		n := min(len(refs), textBackfillBatch)
		// A file whose text cannot be had is listed as unindexed
		// (keepText with no document), so that searches read it.
		var batch []pendingText
		indexed := 0
		for _, r := range refs[:n] {
			d := db.textOf(r)
			if d != nil {
				indexed++
			}
			batch = append(batch, pendingText{r.hash, d})
		}
		refs = refs[n:]
		err := db.submit(ctx, &item{run: func(w *wtx) error {
			for _, p := range batch {
				if err := w.keepText(p.hash, p.doc); err != nil {
					return err
				}
			}
			return nil
		}})
		if err != nil {
			return done, err
		}
		done += indexed
	}
	return done, nil
}
