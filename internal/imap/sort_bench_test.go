package imap_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit"
)

// BenchmarkSortThreadBigFolder measures SORT, ESORT and THREAD over a TLS
// session on an Inbox of distinct messages (10,000; POSTERN_SORTFOLDER=N
// sets another size) in threads of up to seven (References, "Re:"
// subjects), with varied senders, recipients and dates. The keys come
// from the stored structures, read in batches; each run reports the
// server's heap growth while it answers (heap-B/op), which stays a few
// hundred bytes a message.
func BenchmarkSortThreadBigFolder(b *testing.B) {
	n := sizeFromEnv("POSTERN_SORTFOLDER", 10_000)
	s := testkit.Start(b, testkit.Options{NoPOP3: true})
	s.AddUser("alice@mail.test", "secret1")
	fillThreads(b, s, n)
	c := dialBench(b, s.IMAPS, s.ClientTLS("localhost"))
	c.run(b, "a LOGIN alice@mail.test secret1")
	c.run(b, "b SELECT INBOX")
	c.run(b, "w THREAD REFERENCES UTF-8 ALL") // structures made and kept, if not yet
	quiesce(b)
	for _, cmd := range []string{
		"SORT (DATE) UTF-8 ALL", "SORT (SUBJECT) UTF-8 ALL", "SORT (REVERSE ARRIVAL) UTF-8 ALL",
		"SORT (FROM DATE) UTF-8 ALL", "SORT (DISPLAYTO) UTF-8 ALL", "SORT (SIZE) UTF-8 ALL",
		"SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL", "UID SORT (CC SUBJECT) UTF-8 ALL",
		"THREAD ORDEREDSUBJECT UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL", "SEARCH RETURN (COUNT) ALL",
	} {
		b.Run(fmt.Sprintf("msgs=%d/%s", n, strings.ReplaceAll(cmd, " ", "_")), func(b *testing.B) {
			var grew, peak uint64
			var used time.Duration
			for b.Loop() {
				var m0, m1 runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&m0)
				stop := watchHeap(m0.HeapAlloc, &peak)
				t0 := processCPU()
				c.run(b, "s "+cmd)
				used += processCPU() - t0
				stop()
				runtime.ReadMemStats(&m1)
				grew += m1.TotalAlloc - m0.TotalAlloc
			}
			// The largest heap growth seen (sampled every 2 ms) while a
			// command ran: what it holds at once.
			b.ReportMetric(float64(peak)/float64(n), "peak-heap-B/msg")
			// CPU time of the whole process (server and client), which
			// other work on the machine does not inflate as it does the
			// wall time.
			b.ReportMetric(float64(used.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(grew)/float64(b.N), "alloc-B/op")
			b.ReportMetric(float64(grew)/float64(b.N)/float64(n), "alloc-B/msg")
		})
	}
}

// fillThreads appends n messages to alice's Inbox through the store, from
// parallel appenders: message i is in thread i/7, replying to the one
// before it in that thread.
func fillThreads(b *testing.B, s *testkit.Server, n int) {
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
	for range 32 {
		wg.Go(func() {
			for {
				i := int(next.Add(1))
				if i > n {
					return
				}
				if _, err := st.Append(ctx, f.ID, store.NewMessage{Body: strings.NewReader(threadMessage(i))}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func threadMessage(i int) string {
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i*7919%100_000) * time.Minute)
	var h strings.Builder
	fmt.Fprintf(&h, "From: =?UTF-8?Q?Sender_=C3=A9_%d?= <sender%d@mail.test>\r\n", i%313, i%313)
	fmt.Fprintf(&h, "To: Person %d <p%d@mail.test>\r\n", i%37, i%37)
	if i%3 == 0 {
		fmt.Fprintf(&h, "Cc: cc%d@mail.test\r\n", i%11)
	}
	topic := benchWords[(i/7)%len(benchWords)] + fmt.Sprint(" ", i/7)
	if i%7 != 0 {
		fmt.Fprintf(&h, "Subject: Re: [list] %s\r\nIn-Reply-To: <%d@mail.test>\r\nReferences: <%d@mail.test> <%d@mail.test>\r\n", topic, i-1, i-i%7, i-1)
	} else {
		fmt.Fprintf(&h, "Subject: [list] %s\r\n", topic)
	}
	fmt.Fprintf(&h, "Date: %s\r\nMessage-ID: <%d@mail.test>\r\n\r\n", t.Format(time.RFC1123Z), i)
	return h.String() + strings.Repeat("body text line\r\n", 1+i%50)
}

// quiesce waits (at most a minute) until the process is idle: the store
// indexes what was appended in the background, which would otherwise be
// measured too.
func quiesce(b *testing.B) {
	for range 60 {
		before := processCPU()
		time.Sleep(500 * time.Millisecond)
		if used := processCPU() - before; used < 25*time.Millisecond {
			return
		}
	}
	b.Log("the process did not go idle")
}

// processCPU is the CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// watchHeap samples the live heap until stopped, keeping in *peak the
// largest growth over base.
func watchHeap(base uint64, peak *uint64) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(samples)
			if v := samples[0].Value.Uint64(); v > base && v-base > *peak {
				*peak = v - base
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }
}
