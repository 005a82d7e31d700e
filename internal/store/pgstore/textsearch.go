package pgstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/store"
)

// The text index narrows IMAP SEARCH on text, with PostgreSQL's pg_trgm:
// each body row may have one row in mailbox_texts, the decoded text the
// search keys compare (mime.HeaderFields + mime.HeaderValues for the
// header keys, mime.TextReader for BODY and TEXT), lower-cased with the
// function the exact matcher uses, with trigram GIN indexes on the body
// text and on all the header text. A needle of three characters or more
// is looked up with LIKE '%needle%', which those indexes serve. A body
// without a row (its text could not be had, or too large) is always a
// candidate. Without pg_trgm (CREATE EXTENSION needs rights the server's
// role may lack) nothing is indexed and TextCandidates never narrows.

const (
	minNeedle      = 3       // characters: the shortest needle trigrams serve
	maxIndexedText = 4 << 20 // bytes of body text; a body with more stays unindexed
)

var textSchema = []string{
	`CREATE TABLE IF NOT EXISTS mailbox_texts (
		db     bigint NOT NULL,
		hash   bytea NOT NULL,
		subj   text NOT NULL,
		hfrom  text NOT NULL,
		hto    text NOT NULL,
		hcc    text NOT NULL,
		hbcc   text NOT NULL,
		hdr    text NOT NULL,
		body   text NOT NULL,
		PRIMARY KEY (db, hash),
		FOREIGN KEY (db, hash) REFERENCES mailbox_bodies (db, hash) ON DELETE CASCADE)`,
	`CREATE INDEX IF NOT EXISTS mailbox_texts_body ON mailbox_texts USING gin (body gin_trgm_ops)`,
	`CREATE INDEX IF NOT EXISTS mailbox_texts_headers ON mailbox_texts
		USING gin ((subj || ' ' || hfrom || ' ' || hto || ' ' || hcc || ' ' || hbcc || ' ' || hdr) gin_trgm_ops)`,
}

// headerExpr is the indexed expression of every header's text.
const headerExpr = `(t.subj || ' ' || t.hfrom || ' ' || t.hto || ' ' || t.hcc || ' ' || t.hbcc || ' ' || t.hdr)`

// setupText makes pg_trgm and the text table if it can; it reports
// whether the text index is on. It runs in its own transaction: a
// failed CREATE EXTENSION must not undo the schema.
func setupText(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var have bool
	err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')`).Scan(&have)
	if err != nil {
		return false, mapErr(ctx, "look for pg_trgm", err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
			return err
		}
		if !have {
			if _, err := tx.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm`); err != nil {
				return errNoTrgm{err}
			}
		}
		for _, q := range textSchema {
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	var no errNoTrgm
	if errors.As(err, &no) {
		return false, nil
	}
	if err != nil {
		return false, mapErr(ctx, "create text index", err)
	}
	return true, nil
}

type errNoTrgm struct{ error }

// textDoc is one body's indexed text, lower-cased.
type textDoc struct {
	subj, from, to, cc, bcc, hdr, body string
}

// textOf makes the document of a body, or nil if it has none.
func textOf(data, structure []byte) *textDoc {
	r := bytes.NewReader(data)
	p := &mime.Part{}
	if structure == nil || !mime.IsCurrent(structure) || p.UnmarshalBinary(structure) != nil {
		var err error
		if p, err = mime.Parse(bytes.NewReader(data), mime.Options{}); err != nil {
			return nil
		}
	}
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

// clean makes text PostgreSQL can store: no NULs (a needle with one is
// never looked up) and valid UTF-8.
func clean(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", " "), "\uFFFD")
}

// keepText writes a body's document if it has none.
func (w *wtx) keepText(hash []byte, d *textDoc) error {
	if d == nil || !w.s.text {
		return nil
	}
	_, err := w.exec(`INSERT INTO mailbox_texts (db, hash, subj, hfrom, hto, hcc, hbcc, hdr, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (db, hash) DO NOTHING`,
		w.s.db, hash, d.subj, d.from, d.to, d.cc, d.bcc, d.hdr, d.body)
	if err != nil {
		return mapErr(w.ctx, "index text", err)
	}
	return nil
}

var textColumns = map[store.TextField]string{
	store.TextBody:    `t.body`,
	store.TextHeader:  headerExpr,
	store.TextSubject: `t.subj`,
	store.TextFrom:    `t.hfrom`,
	store.TextTo:      `t.hto`,
	store.TextCc:      `t.hcc`,
	store.TextBcc:     `t.hbcc`,
}

var _ store.TextSearcher = (*Store)(nil)

// TextCandidates implements store.TextSearcher. The LIKE is exact on the
// indexed text, so Match holds only messages whose text holds the needle
// (the caller confirms them all the same).
func (s *Store) TextCandidates(ctx context.Context, f store.FolderID, field store.TextField, needle string) (store.TextCandidates, bool, error) {
	var c store.TextCandidates
	n := strings.ToLower(needle)
	if !s.text || utf8.RuneCountInString(n) < minNeedle || !utf8.ValidString(n) ||
		strings.ContainsRune(n, utf8.RuneError) || strings.ContainsRune(n, 0) {
		return c, false, nil
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(n) + "%"
	var cond string
	if field == store.TextAll {
		cond = headerExpr + ` LIKE $3 OR t.body LIKE $3`
	} else if col, ok := textColumns[field]; ok {
		cond = col + ` LIKE $3`
	} else {
		return c, false, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT m.uid, t.hash IS NULL FROM mailbox_messages m
		JOIN mailbox_folders fo ON fo.id = m.folder AND fo.db = $1
		LEFT JOIN mailbox_texts t ON t.db = $1 AND t.hash = m.hash
		WHERE m.folder = $2 AND (t.hash IS NULL OR `+cond+`) ORDER BY m.uid`, s.db, f, pattern)
	if err != nil {
		return c, false, mapErr(ctx, "search text", err)
	}
	var uid int64
	var unindexed bool
	_, err = pgx.ForEachRow(rows, []any{&uid, &unindexed}, func() error {
		if unindexed {
			c.Unindexed = append(c.Unindexed, uint32(uid))
		} else {
			c.Match = append(c.Match, uint32(uid))
		}
		return nil
	})
	if err != nil {
		return c, false, mapErr(ctx, "search text", err)
	}
	return c, true, nil
}
