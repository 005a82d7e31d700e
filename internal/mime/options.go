package mime

import "fmt"

// Default limits used when an Options field is zero.
const (
	DefaultMaxDepth            = 32
	DefaultMaxParts            = 10000
	DefaultMaxHeaderBytes      = 256 << 10
	DefaultMaxTotalHeaderBytes = 4 << 20

	// maxDepthLimit caps Options.MaxDepth, and with it the recursion of
	// Parse, the formatter and UnmarshalBinary.
	maxDepthLimit = 1000
)

// Options tunes Parse. The zero value selects the defaults.
type Options struct {
	// MaxDepth is the deepest nesting level whose multipart or
	// message/rfc822 structure is parsed; the top-level message is level 0.
	// A multipart or message/rfc822 part found at this level is kept as an
	// opaque application/octet-stream leaf, so the tree is at most
	// MaxDepth+1 levels deep. 0 means DefaultMaxDepth; at most 1000.
	MaxDepth int

	// MaxParts bounds the number of Parts in the tree (encapsulated
	// messages count). When it is reached, the multipart being read gets
	// one last opaque application/octet-stream child that runs to the end
	// of the multipart, and no further container is descended into.
	// 0 means DefaultMaxParts.
	MaxParts int

	// MaxHeaderBytes is how many bytes of each header block are
	// interpreted. Fields that start or end beyond it are ignored, but the
	// block is still read to its real end, so offsets stay exact and
	// BODY[HEADER] still returns the whole block. 0 means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int

	// MaxTotalHeaderBytes bounds the header field values kept for the
	// whole message (Content-* fields and envelope fields of every part).
	// Once spent, later fields are ignored as if absent. 0 means
	// DefaultMaxTotalHeaderBytes.
	MaxTotalHeaderBytes int
}

// Validate reports whether the options are usable.
func (o Options) Validate() error {
	switch {
	case o.MaxDepth < 0 || o.MaxDepth > maxDepthLimit:
		return fmt.Errorf("mime: MaxDepth %d out of range [0, %d]", o.MaxDepth, maxDepthLimit)
	case o.MaxParts < 0:
		return fmt.Errorf("mime: negative MaxParts %d", o.MaxParts)
	case o.MaxHeaderBytes < 0:
		return fmt.Errorf("mime: negative MaxHeaderBytes %d", o.MaxHeaderBytes)
	case o.MaxTotalHeaderBytes < 0:
		return fmt.Errorf("mime: negative MaxTotalHeaderBytes %d", o.MaxTotalHeaderBytes)
	}
	return nil
}

// withDefaults returns o with zero fields replaced by the defaults.
func (o Options) withDefaults() Options {
	if o.MaxDepth == 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxParts == 0 {
		o.MaxParts = DefaultMaxParts
	}
	if o.MaxHeaderBytes == 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if o.MaxTotalHeaderBytes == 0 {
		o.MaxTotalHeaderBytes = DefaultMaxTotalHeaderBytes
	}
	return o
}
