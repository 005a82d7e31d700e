// Package store is the protocol-neutral mailbox store: accounts, folders,
// messages with UIDs, UIDVALIDITY, mod-sequences and flags, and the change
// events that keep every session on a folder in step.
//
// One Store is one mailbox database (DESIGN.md "Storage"). It knows accounts
// only by the AccountID the directory assigned; it knows nothing of users,
// passwords or protocols. Sequence numbers (IMAP) and message numbers (POP3)
// never appear here: they live inside the protocol sessions.
//
// Invariants every implementation keeps (storetest checks them):
//   - Durability: Deliver, Append, Copy, Move and Expunge return only after
//     the message bytes, and the metadata commit that makes them visible (or
//     gone), are on disk. After a crash every acknowledged message is present
//     exactly once and byte-identical; nothing is visible half-written.
//   - UIDs in a folder are strictly ascending and never reused while the
//     folder's UIDVALIDITY stays the same.
//   - Every change that commits raises the folder's HighestModSeq and is
//     published to the subscribers of that account after the commit.
//   - Bodies stream: nothing loads a whole folder's messages into memory.
package store

import (
	"context"
	"errors"
	"io"
	"time"
)

// The closed set of error kinds. Implementations wrap the cause with
// fmt.Errorf("...: %w", ErrX) so that errors.Is finds the kind; protocols map
// kinds to their reply texts in one place and log the wrapped cause.
var (
	ErrNotFound     = errors.New("store: not found")
	ErrExists       = errors.New("store: already exists")
	ErrNoPermission = errors.New("store: not permitted")
	ErrOverQuota    = errors.New("store: over quota")
	ErrExpunged     = errors.New("store: message expunged")
	ErrTooBig       = errors.New("store: too big")
	ErrTemporary    = errors.New("store: temporary failure")
	ErrInvalid      = errors.New("store: invalid argument")
	// ErrDamaged: the message is listed but its stored bytes are missing
	// or not what was stored (a file truncated, removed or replaced). The
	// message is not expunged: the protocols answer an error for it alone,
	// go on with the rest, and log the cause, which names the file.
	ErrDamaged = errors.New("store: message damaged")
)

// AccountID is the directory's key for a mailbox owner.
type AccountID int64

// FolderID identifies one folder within one Store.
type FolderID int64

// Inbox is the canonical name of the folder every account has. Folder names
// are full paths with "/" as the hierarchy separator; "INBOX" matches
// case-insensitively, every other name exactly.
const Inbox = "INBOX"

// Separator is the hierarchy separator in folder names.
const Separator = "/"

// DefaultFolders are created with every account, after the Inbox, as
// Exchange creates them for a new mailbox.
var DefaultFolders = []string{"Drafts", "Sent Items", "Deleted Items", "Junk Email"}

// System flags, spelled as IMAP spells them. Any other flag is a keyword.
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

// Folder describes one folder as of the moment it was read.
type Folder struct {
	ID            FolderID
	Account       AccountID
	Name          string
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	Subscribed    bool
	// Hidden folders appear in IMAP LIST only when ShowHiddenFoldersEnabled.
	Hidden bool
	// Messages and Unseen are counts at the time of reading.
	Messages int
	Unseen   int
}

// Message is one message's metadata. Size is the exact octet count of the
// stored bytes.
type Message struct {
	UID          uint32
	ModSeq       uint64
	Size         int64
	InternalDate time.Time
	Flags        []string
}

// NewMessage is a message to append. Body is read to EOF.
type NewMessage struct {
	Body         io.Reader
	Flags        []string
	InternalDate time.Time // zero means now
}

// Delivered reports where one recipient's copy landed.
type Delivered struct {
	Account AccountID
	Folder  FolderID
	UID     uint32
}

// Body is an opened message: it streams and supports random access (IMAP
// partial fetches). Close releases it.
type Body interface {
	io.ReadCloser
	io.ReaderAt
	Size() int64
}

// Analyzer computes what a store keeps about a message's bytes besides the
// bytes themselves. It must read r to EOF or return; the store drains what
// it leaves. Its result is opaque to the store.
type Analyzer func(r io.Reader) ([]byte, error)

// FlagOp says how StoreFlags combines the given flags with the current ones.
type FlagOp int

const (
	FlagsReplace FlagOp = iota
	FlagsAdd
	FlagsRemove
)

// ChangeKind is what a Change reports.
type ChangeKind int

const (
	ChangeNew ChangeKind = iota + 1
	ChangeFlags
	ChangeExpunge
	ChangeFolder // a folder was created, deleted or renamed
	// ChangeResync: events may have been lost; re-read the folder. It
	// names no folder (Folder 0) and no UIDs: every folder of the account
	// a subscriber holds a view of must be read again in full.
	ChangeResync
)

// Change is published to an account's subscribers after a commit.
type Change struct {
	Kind    ChangeKind
	Account AccountID
	Folder  FolderID
	UIDs    []uint32
	ModSeq  uint64
	// Origin is the origin the change's context carried (WithOrigin), 0
	// if none: a session knows its own changes by it.
	Origin uint64
}

type originKey struct{}

// WithOrigin marks the changes made with ctx as coming from origin
// (non-zero), so that their Change events carry it.
func WithOrigin(ctx context.Context, origin uint64) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

// OriginOf returns the origin ctx carries, or 0.
func OriginOf(ctx context.Context) uint64 {
	o, _ := ctx.Value(originKey{}).(uint64)
	return o
}

// Store is one mailbox database.
type Store interface {
	// CreateAccount makes the account's Inbox and DefaultFolders. It fails
	// with ErrExists if the account already has folders.
	CreateAccount(ctx context.Context, a AccountID) error
	// DeleteAccount removes the account's folders and messages.
	DeleteAccount(ctx context.Context, a AccountID) error

	// Folders lists the account's folders, sorted by name.
	Folders(ctx context.Context, a AccountID) ([]Folder, error)
	// Folder finds one folder by name (ErrNotFound if absent).
	Folder(ctx context.Context, a AccountID, name string) (Folder, error)
	CreateFolder(ctx context.Context, a AccountID, name string) (Folder, error)
	// DeleteFolder removes a folder and its messages; the Inbox cannot be
	// deleted (ErrNoPermission).
	DeleteFolder(ctx context.Context, a AccountID, name string) error
	// RenameFolder renames a folder and its children. Renaming the Inbox
	// moves its messages into a new folder and leaves the Inbox empty
	// (RFC 3501 6.3.5).
	RenameFolder(ctx context.Context, a AccountID, from, to string) error
	SetSubscribed(ctx context.Context, a AccountID, name string, on bool) error

	// Deliver stores one message into the Inbox of each account, sharing
	// one copy of the bytes. It returns after the durable commit.
	Deliver(ctx context.Context, to []AccountID, body io.Reader, date time.Time) ([]Delivered, error)
	// Append stores one message into a folder; durable on return.
	Append(ctx context.Context, f FolderID, m NewMessage) (Message, error)

	// Messages lists a folder's messages in ascending UID order.
	Messages(ctx context.Context, f FolderID) ([]Message, error)
	// Changes reads, in one snapshot, the folder as it is now and, in
	// ascending UID order, its messages whose ModSeq is above since: the
	// ones added, and those whose flags changed, after the folder's
	// HighestModSeq was since (since 0: every message). Expunged messages
	// are not named; a reader holding the earlier listing tells from
	// Folder.Messages whether any went. A store that also implements
	// ExpungeLister can name them.
	Changes(ctx context.Context, f FolderID, since uint64) (Folder, []Message, error)
	// Open opens a message's bytes (ErrExpunged or ErrNotFound if gone).
	Open(ctx context.Context, f FolderID, uid uint32) (Body, error)
	// StoreFlags changes flags on the given UIDs (missing UIDs are skipped)
	// and returns the updated messages.
	StoreFlags(ctx context.Context, f FolderID, uids []uint32, op FlagOp, flags []string) ([]Message, error)
	// Expunge removes the given UIDs (missing ones are skipped); durable on
	// return. It returns the UIDs actually removed.
	Expunge(ctx context.Context, f FolderID, uids []uint32) ([]uint32, error)
	// Copy copies messages to another folder of the same account and
	// returns the new UIDs in the order of the source UIDs that existed.
	Copy(ctx context.Context, from FolderID, uids []uint32, to FolderID) (src, dst []uint32, err error)
	// Move is Copy followed by Expunge of the source, in one commit. from
	// may be to: the messages then get new UIDs in their folder.
	Move(ctx context.Context, from FolderID, uids []uint32, to FolderID) (src, dst []uint32, err error)

	// Structure returns the analysis of a message's bytes made by the
	// store's analyser (opaque to the store; computed when the bytes are
	// stored, or on first use and then kept). ErrInvalid if the store has
	// no analyser.
	Structure(ctx context.Context, f FolderID, uid uint32) ([]byte, error)

	// Subscribe delivers the account's changes to fn, after each commit, in
	// commit order, until cancel is called. fn must not block for long.
	Subscribe(a AccountID, fn func(Change)) (cancel func())

	Close() error
}

// ExpungeLister is optionally implemented by a Store that records the UIDs
// it expunges, so that a reader holding a listing as of some mod-sequence
// learns which messages went at a cost in their number rather than the
// folder's size. A reader finds it with a type assertion and falls back to
// Changes plus a full listing without it.
type ExpungeLister interface {
	// ChangesExpunged is Changes, read in the same snapshot, plus the UIDs
	// expunged from f by commits whose mod-sequence is above since, in
	// ascending order. A UID added and expunged after since may be among
	// them. named is false, and expunged nil, when the store can no
	// longer name them all (it keeps its records for a bounded span of
	// the folder's history, and prunes older ones): the reader must then
	// tell from a full listing, as with Changes alone. since 0 asks for
	// the whole folder, which needs no expunges: nil, true.
	ChangesExpunged(ctx context.Context, f FolderID, since uint64) (folder Folder, changed []Message, expunged []uint32, named bool, err error)
}

// RecentClaimer is optionally implemented by a Store that keeps, per
// folder, the highest UID a session has already claimed as recent, so
// that IMAP's \Recent (RFC 3501 §2.3.2) goes to the first session that
// sees a message after it arrives: the messages above the claim are
// recent; a session that claims them up to some UID is the one that sees
// them \Recent. Both methods cost O(1) or O(the messages above the
// claim), never the folder's size. Without it no message is recent.
type RecentClaimer interface {
	// ClaimRecent raises f's claim to upto, atomically, if it is lower,
	// and returns the claim as it was before: the caller sees the UIDs
	// in (from, upto] as recent, and no later claim sees them. upto 0
	// (or any upto not above the claim) claims nothing and only reads
	// the claim, for a read-only session. A new folder's claim is 0.
	ClaimRecent(ctx context.Context, f FolderID, upto uint32) (from uint32, err error)
	// CountRecent counts f's messages above its claim (IMAP STATUS
	// RECENT), at a cost in their number.
	CountRecent(ctx context.Context, f FolderID) (int, error)
}
