package imap_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/imap/backend"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit"
)

// BenchmarkBigFolder measures what a change costs a session that has a
// big Inbox selected, over TLS on a real listener: NOOP after the
// session's own APPEND, STORE of one flag, APPEND, a delivery reaching
// a session in IDLE, another session's STORE reaching it, and an
// expunge made elsewhere (through the store, as by another session,
// POP3 or a server-side MOVE) reaching the session at NOOP and in IDLE.
// The Inbox is filled through the store (one
// message appended, then copied onto itself in doubling batches), with
// 1,000 and 100,000 messages; POSTERN_BIGFOLDER=N sets the second size.
// A change should cost about the same in both.
func BenchmarkBigFolder(b *testing.B) {
	big := sizeFromEnv("POSTERN_BIGFOLDER", 100_000)
	for _, n := range []int{1000, big} {
		b.Run(fmt.Sprintf("msgs=%d", n), func(b *testing.B) { benchBigFolder(b, n) })
	}
}

const bigFolderMessage = "From: bob@mail.test\r\nTo: alice@mail.test\r\nSubject: big folder\r\n\r\nhello\r\n"

func benchBigFolder(b *testing.B, n int) {
	s := testkit.Start(b, testkit.Options{NoPOP3: true})
	s.AddUser("alice@mail.test", "secret1")
	st, inbox := fillInbox(b, s, n)

	c := dialBench(b, s.IMAPS, s.ClientTLS("localhost"))
	c.run(b, "a LOGIN alice@mail.test secret1")
	c.run(b, "b SELECT INBOX")
	msg := strings.Repeat("x", 2000)
	// op toggles a flag, counting in *n: each call changes it, across the
	// runs of a sub-benchmark too.
	flagged, seen := 0, 0
	op := func(n *int) string {
		*n++
		if *n%2 == 1 {
			return "+FLAGS"
		}
		return "-FLAGS"
	}

	b.Run("select", func(b *testing.B) {
		for range b.N {
			c.run(b, "b SELECT INBOX")
		}
	})
	// What a second session with the folder selected holds: the heap
	// after it selected, less before, per message (the session's view:
	// UIDs, flags, mod-sequences).
	b.Run("session-memory", func(b *testing.B) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		o := dialBench(b, s.IMAPS, s.ClientTLS("localhost"))
		o.run(b, "a LOGIN alice@mail.test secret1")
		o.run(b, "b SELECT INBOX")
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(n), "heap-B/msg")
		o.run(b, "z LOGOUT")
	})
	b.Run("noop-after-append", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			c.appendMsg(b, msg)
			b.StartTimer()
			c.run(b, "n NOOP")
		}
	})
	b.Run("store-flag", func(b *testing.B) {
		for range b.N {
			c.run(b, "s STORE 1 "+op(&flagged)+" (\\Flagged)")
		}
	})
	b.Run("append", func(b *testing.B) {
		for range b.N {
			c.appendMsg(b, msg)
		}
	})
	b.Run("delivery-to-idle", func(b *testing.B) {
		ctx := context.Background()
		c.send(b, "i IDLE")
		c.expect(b, "+ ")
		for range b.N {
			if _, err := st.Append(ctx, inbox, store.NewMessage{Body: strings.NewReader(bigFolderMessage)}); err != nil {
				b.Fatal(err)
			}
			c.expectSuffix(b, " EXISTS\r\n")
		}
		b.StopTimer()
		c.send(b, "DONE")
		c.expect(b, "i OK")
	})
	b.Run("other-session-store-to-idle", func(b *testing.B) {
		o := dialBench(b, s.IMAPS, s.ClientTLS("localhost"))
		o.run(b, "a LOGIN alice@mail.test secret1")
		o.run(b, "b SELECT INBOX")
		c.send(b, "i IDLE")
		c.expect(b, "+ ")
		b.ResetTimer()
		for range b.N {
			o.run(b, "s STORE 2 "+op(&seen)+".SILENT (\\Seen)")
			c.expectSuffix(b, ")\r\n") // * 2 FETCH (FLAGS (...))
		}
		b.StopTimer()
		c.send(b, "DONE")
		c.expect(b, "i OK")
	})
	// The expunges take the lowest UIDs left, the costliest for the view
	// to renumber; a message appended untimed before each keeps the size.
	low := uint32(10)
	expungeLow := func(b *testing.B) {
		if _, err := st.Expunge(context.Background(), inbox, []uint32{low}); err != nil {
			b.Fatal(err)
		}
		low++
	}
	refill := func(b *testing.B) {
		if _, err := st.Append(context.Background(), inbox, store.NewMessage{Body: strings.NewReader(bigFolderMessage)}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("other-expunge-noop", func(b *testing.B) {
		listings := backend.FullListings()
		for range b.N {
			b.StopTimer()
			refill(b)
			c.run(b, "n NOOP")
			b.StartTimer()
			expungeLow(b)
			c.send(b, "n NOOP")
			c.expectSuffix(b, " EXPUNGE\r\n")
			c.expect(b, "n OK")
		}
		b.ReportMetric(float64(backend.FullListings()-listings)/float64(b.N), "listings/op")
	})
	b.Run("other-expunge-to-idle", func(b *testing.B) {
		listings := backend.FullListings()
		c.send(b, "i IDLE")
		c.expect(b, "+ ")
		for range b.N {
			b.StopTimer()
			refill(b)
			c.expectSuffix(b, " EXISTS\r\n")
			b.StartTimer()
			expungeLow(b)
			c.expectSuffix(b, " EXPUNGE\r\n")
		}
		b.StopTimer()
		c.send(b, "DONE")
		c.expect(b, "i OK")
		b.ReportMetric(float64(backend.FullListings()-listings)/float64(b.N), "listings/op")
	})
}

// fillInbox puts n messages into alice's Inbox through the store and
// returns the store and the Inbox.
func fillInbox(b *testing.B, s *testkit.Server, n int) (store.Store, store.FolderID) {
	ctx := context.Background()
	u, err := s.Directory().Lookup(ctx, "alice@mail.test")
	if err != nil {
		b.Fatal(err)
	}
	st, err := s.Store(u.Database)
	if err != nil {
		b.Fatal(err)
	}
	f, err := st.Folder(ctx, store.AccountID(u.ID), store.Inbox)
	if err != nil {
		b.Fatal(err)
	}
	have := f.Messages
	for have < n {
		if have == 0 {
			if _, err := st.Append(ctx, f.ID, store.NewMessage{Body: strings.NewReader(bigFolderMessage)}); err != nil {
				b.Fatal(err)
			}
			have = 1
			continue
		}
		k := min(have, n-have, 20_000) // one commit each
		uids := make([]uint32, k)
		for i := range uids {
			uids[i] = uint32(i + 1)
		}
		if _, _, err := st.Copy(ctx, f.ID, uids, f.ID); err != nil {
			b.Fatal(err)
		}
		have += k
	}
	if f, err = st.Folder(ctx, store.AccountID(u.ID), store.Inbox); err != nil || f.Messages != n {
		b.Fatalf("Inbox has %d messages, want %d (%v)", f.Messages, n, err)
	}
	return st, f.ID
}

func (c *benchConn) send(b *testing.B, line string) {
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		b.Fatal(err)
	}
}

// expect reads lines until one that starts with prefix.
func (c *benchConn) expect(b *testing.B, prefix string) {
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(l, prefix) {
			return
		}
	}
}

// expectSuffix reads lines until one that ends with suffix.
func (c *benchConn) expectSuffix(b *testing.B, suffix string) {
	c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasSuffix(l, suffix) {
			return
		}
	}
}

// appendMsg appends body to the Inbox with a synchronizing literal, as
// most clients do, and reads to the tagged OK.
func (c *benchConn) appendMsg(b *testing.B, body string) {
	c.send(b, "p APPEND INBOX {"+strconv.Itoa(len(body))+"}")
	c.expect(b, "+ ")
	c.send(b, body)
	c.expect(b, "p OK")
}

// sizeFromEnv reads a benchmark's folder size from the environment.
func sizeFromEnv(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
