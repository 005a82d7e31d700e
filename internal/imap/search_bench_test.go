package imap_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit"
)

// BenchmarkSearchBigFolder measures SEARCH BODY over a TLS session on an
// Inbox of distinct messages (20,000; POSTERN_SEARCHFOLDER=N sets
// another size), for a needle no message holds and for one that a single
// message holds, with the store's full-text index used and not.
func BenchmarkSearchBigFolder(b *testing.B) {
	n := sizeFromEnv("POSTERN_SEARCHFOLDER", 20_000)
	s := testkit.Start(b, testkit.Options{NoPOP3: true})
	s.AddUser("alice@mail.test", "secret1")
	st, seqOf := fillDistinct(b, s, n)
	sw := st.(interface{ SetTextSearch(bool) })
	c := dialBench(b, s.IMAPS, s.ClientTLS("localhost"))
	c.run(b, "a LOGIN alice@mail.test secret1")
	c.run(b, "b SELECT INBOX")
	needles := []struct{ name, key, want string }{
		{"nomatch", `BODY "xylophone"`, "* SEARCH"},
		{"onematch", fmt.Sprintf(`BODY "ref%dq"`, n/2), fmt.Sprintf("* SEARCH %d", seqOf[n/2])},
	}
	for _, index := range []bool{false, true} {
		for _, nd := range needles {
			b.Run(fmt.Sprintf("msgs=%d/index=%v/%s", n, index, nd.name), func(b *testing.B) {
				sw.SetTextSearch(index)
				defer sw.SetTextSearch(true)
				for b.Loop() {
					if got := c.search(b, "s SEARCH "+nd.key); got != nd.want {
						b.Fatalf("%s: %q, want %q", nd.key, got, nd.want)
					}
				}
			})
		}
	}
}

// search runs a SEARCH and returns its untagged answer.
func (c *benchConn) search(b *testing.B, line string) string {
	tag, _, _ := strings.Cut(line, " ")
	c.conn.SetDeadline(time.Now().Add(5 * time.Minute))
	if _, err := fmt.Fprintf(c.conn, "%s\r\n", line); err != nil {
		b.Fatal(err)
	}
	var hits string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			b.Fatal(err)
		}
		l = strings.TrimSuffix(l, "\r\n")
		if strings.HasPrefix(l, "* SEARCH") {
			hits = l
		}
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" OK") {
				b.Fatalf("%s: %q", line, l)
			}
			return hits
		}
	}
}

var benchWords = strings.Fields(`meeting budget project review quarterly report invoice schedule
	travel customer support release deadline contract proposal feedback update agenda minutes
	server network backup storage migration database security audit training hiring office`)

// fillDistinct appends n distinct messages (about 1.5 KB of varied text
// each; message i holds the word ref<i>q) to alice's Inbox through the
// store, from parallel appenders, and returns the store and the
// sequence number of each message i.
func fillDistinct(b *testing.B, s *testkit.Server, n int) (store.Store, map[int]uint32) {
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
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	uids := map[uint32]int{}
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				m, err := st.Append(ctx, f.ID, store.NewMessage{Body: strings.NewReader(distinctMessage(i))})
				if err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				uids[m.UID] = i
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(uids) != n {
		b.Fatalf("appended %d of %d", len(uids), n)
	}
	seqOf := map[int]uint32{}
	for uid, i := range uids {
		seqOf[i] = uid // UIDs 1..n, nothing expunged: the UID is the sequence number
	}
	return st, seqOf
}

func distinctMessage(i int) string {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	var body strings.Builder
	for body.Len() < 1500 {
		for range 12 {
			body.WriteString(benchWords[r.IntN(len(benchWords))])
			body.WriteByte(' ')
		}
		body.WriteString("\r\n")
	}
	return fmt.Sprintf("From: sender%d@mail.test\r\nTo: alice@mail.test\r\nSubject: %s %s\r\nMessage-ID: <%d@mail.test>\r\n\r\nref%dq\r\n%s",
		i%97, benchWords[r.IntN(len(benchWords))], benchWords[r.IntN(len(benchWords))], i, i, body.String())
}
