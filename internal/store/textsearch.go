package store

import (
	"context"
	"slices"
)

// TextField says where a TextSearcher looks for a needle: the places the
// IMAP SEARCH text keys look (RFC 3501 §6.4.4).
type TextField int

const (
	TextBody    TextField = iota + 1 // the decoded text parts (BODY)
	TextAll                          // any header field or the body (TEXT)
	TextHeader                       // any header field (HEADER name)
	TextSubject                      // the Subject fields (SUBJECT)
	TextFrom                         // FROM
	TextTo                           // TO
	TextCc                           // CC
	TextBcc                          // BCC
)

// TextCandidates is a TextSearcher's answer: the messages of a folder that
// may contain a needle. Both lists are in ascending UID order.
type TextCandidates struct {
	// Match holds the indexed messages whose text may contain the needle.
	Match []uint32
	// Unindexed holds the messages the index knows nothing about (stored
	// before it existed, or too large for it): any of them may match.
	Unindexed []uint32
}

// May reports whether the message uid may contain the needle. A message
// for which it is false does not (or was not in the folder when the
// answer was made).
func (c *TextCandidates) May(uid uint32) bool {
	_, ok := slices.BinarySearch(c.Match, uid)
	if !ok {
		_, ok = slices.BinarySearch(c.Unindexed, uid)
	}
	return ok
}

// TextSearcher is an optional ability of a Store: a full-text index that
// narrows a text search. It never decides a match: a caller confirms every
// candidate with the exact comparison, and uses the index only to skip the
// messages that cannot match.
type TextSearcher interface {
	// TextCandidates returns the messages of folder f whose field may
	// contain needle, compared case-insensitively (strings.ToLower) as a
	// substring of the decoded text. ok is false when the index cannot
	// narrow this search (a needle too short for it, or the index turned
	// off): the caller must then consider every message.
	TextCandidates(ctx context.Context, f FolderID, field TextField, needle string) (c TextCandidates, ok bool, err error)
}
