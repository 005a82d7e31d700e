package sqlite

import (
	"bytes"
	"context"
	"io"
	"os"
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
// tokenizer (case-sensitive, since the text is already folded). MATCH on a
// quoted needle of three characters or more then finds every document
// holding it as a substring. The index only ever excludes: the searcher
// confirms each candidate against the message itself.
//
// The document is made in the caller's goroutine (Deliver, Append), from
// the blob and its analysis, and written by the item that adds the first
// row naming the blob, in the same transaction; it goes with the
// structure when the writer finds the blob unreferenced. A blob without a
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
	for _, c := range []struct {
		name string
		dst  *string
	}{{"Subject", &d.subj}, {"From", &d.from}, {"To", &d.to}, {"Cc", &d.cc}, {"Bcc", &d.bcc}, {"", &d.hdr}} {
		var ok bool
		if c.name == "" {
			*c.dst, ok = values(nil, true)
		} else {
			*c.dst, ok = values([]string{c.name}, false)
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

// keepText writes blob hash's document, unless it has one already.
func (w *wtx) keepText(hash string, d *textDoc) error {
	if d == nil {
		return nil
	}
	ins, err := w.prepared(`INSERT INTO text_docs (blob) VALUES (?) ON CONFLICT (blob) DO NOTHING RETURNING id`)
	if err != nil {
		return errTemp("index text", err)
	}
	var id int64
	switch err := ins.QueryRow(hash).Scan(&id); {
	case isNoRows(err):
		return nil
	case err != nil:
		return errTemp("index text", err)
	}
	fts, err := w.prepared(`INSERT INTO text_fts (rowid, subj, hfrom, hto, hcc, hbcc, hdr, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err == nil {
		_, err = fts.Exec(id, d.subj, d.from, d.to, d.cc, d.bcc, d.hdr, d.body)
	}
	if err != nil {
		return errTemp("index text", err)
	}
	return nil
}

// forgetText drops blob hash's document, if it has one.
func (w *wtx) forgetText(hash string) error {
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
	store.TextAll:     "{hdr body}",
	store.TextHeader:  "{hdr}",
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
	query := cols + ` : "` + strings.ReplaceAll(n, `"`, `""`) + `"`
	rows, err := reader{db: db}.QueryContext(ctx, `SELECT m.uid, d.id IS NULL FROM messages m
		LEFT JOIN text_docs d ON d.blob = m.blob
		WHERE m.folder = ? AND (d.id IS NULL OR d.id IN (SELECT rowid FROM text_fts WHERE text_fts MATCH ?))
		ORDER BY m.uid`, f, query)
	if err != nil {
		return c, false, readErr(ctx, "search text", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid uint32
		var unindexed bool
		if err := rows.Scan(&uid, &unindexed); err != nil {
			return c, false, readErr(ctx, "search text", err)
		}
		if unindexed {
			c.Unindexed = append(c.Unindexed, uid)
		} else {
			c.Match = append(c.Match, uid)
		}
	}
	if err := rows.Err(); err != nil {
		return c, false, readErr(ctx, "search text", err)
	}
	return c, true, nil
}

var _ store.TextSearcher = (*DB)(nil)
