package directory

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// verifyCache remembers recent successful verifications so that clients
// polling every minute do not pay argon2id's cost each time (ECOSYSTEM.md
// risk 8). Keys are HMACs of the stored hash and the password under a
// per-process random key: the cache never holds a password, and a changed
// password (a new hash) can never hit an old entry.
type verifyCache struct {
	key []byte
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[32]byte]time.Time
}

func newVerifyCache(ttl time.Duration, max int) *verifyCache {
	k := make([]byte, 32)
	rand.Read(k)
	return &verifyCache{key: k, ttl: ttl, max: max, entries: map[[32]byte]time.Time{}}
}

func (c *verifyCache) sum(phc, password string) [32]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(phc))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

func (c *verifyCache) hit(phc, password string) bool {
	k := c.sum(phc, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.entries[k]
	if ok && time.Now().Before(exp) {
		return true
	}
	delete(c.entries, k)
	return false
}

func (c *verifyCache) add(phc, password string) {
	k := c.sum(phc, password)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k, exp := range c.entries { // drop expired, else any one
			if now.After(exp) || len(c.entries) >= c.max {
				delete(c.entries, k)
			}
			if len(c.entries) < c.max/2 {
				break
			}
		}
	}
	c.entries[k] = now.Add(c.ttl)
}
