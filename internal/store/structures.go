package store

import "context"

// StructureBatcher is an optional ability of a Store: the kept structures
// of many messages of a folder in one read, for IMAP FETCH over a range.
type StructureBatcher interface {
	// Structures returns, for each of uids that is in folder f, what
	// Structure would return, read in one snapshot; the value is nil when
	// no analysis has been kept yet, or only one in a form no longer
	// current (Structure makes and keeps it). UIDs
	// not in the folder are absent from the map. uids may be in any order.
	Structures(ctx context.Context, f FolderID, uids []uint32) (map[uint32][]byte, error)
}
