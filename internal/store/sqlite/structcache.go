package sqlite

import "sync"

// structCache keeps the analyses most recently read, by blob hash. A
// blob's bytes never change, so neither does an analysis of them: an
// entry is never stale, and needs no invalidation when messages come and
// go (whether it is in the current form is checked on use, as for one
// read from the table). Reading it saves the structures table's pages,
// which every write makes the read connections fetch again.
//
// It holds two generations of at most limit bytes each: when the newer
// is full it becomes the older and the older is dropped; a hit in the
// older moves the entry to the newer. So memory stays under 2×limit and
// what is read often stays.
type structCache struct {
	mu       sync.Mutex
	limit    int
	cur, old map[string][]byte
	curBytes int
}

// structEntryOverhead approximates a map entry's own cost in bytes.
const structEntryOverhead = 64

func newStructCache(limit int) *structCache {
	return &structCache{limit: limit, cur: map[string][]byte{}}
}

// get returns the analysis of blob, if kept. The caller must not modify
// it.
func (c *structCache) get(blob string) ([]byte, bool) {
	if c.limit <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d, ok := c.cur[blob]; ok {
		return d, true
	}
	d, ok := c.old[blob]
	if ok {
		delete(c.old, blob)
		c.putLocked(blob, d)
	}
	return d, ok
}

// put keeps data (which nobody may modify afterwards) as blob's analysis.
func (c *structCache) put(blob string, data []byte) {
	if c.limit <= 0 || data == nil {
		return
	}
	c.mu.Lock()
	c.putLocked(blob, data)
	c.mu.Unlock()
}

func (c *structCache) putLocked(blob string, data []byte) {
	n := len(blob) + len(data) + structEntryOverhead
	if n > c.limit {
		return
	}
	if old, ok := c.cur[blob]; ok {
		c.curBytes -= len(blob) + len(old) + structEntryOverhead
	} else if c.curBytes+n > c.limit {
		c.old, c.cur, c.curBytes = c.cur, make(map[string][]byte, len(c.cur)), 0
	}
	c.cur[blob] = data
	c.curBytes += n
}
