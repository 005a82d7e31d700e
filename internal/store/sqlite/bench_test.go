package sqlite

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
)

// benchBody is a message of about 4 KB whose first line makes it unique,
// so that no delivery is saved by blob sharing.
func benchBody(n int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%d@bench.example>\r\nSubject: benchmark\r\n\r\n", n)
	for b.Len() < 4096 {
		b.WriteString("The quick brown fox jumps over the lazy dog, durably and in groups.\r\n")
	}
	return b.Bytes()
}

// deliverN delivers b.N messages from senders goroutines and reports the
// rate of durable deliveries.
func deliverN(b *testing.B, senders int) { deliverOpt(b, senders, Options{}) }

func deliverOpt(b *testing.B, senders int, opt Options) {
	db := openTest(b, opt)
	setup(b, db, 1)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	cpu0, user0 := cpuTime()
	for range senders {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if _, err := db.Deliver(b.Context(), []store.AccountID{1}, bytes.NewReader(benchBody(n)), time.Time{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu, user := cpuTime()
	b.ReportMetric(float64(cpu-cpu0)/1e3/float64(b.N), "cpu-µs/msg")
	b.ReportMetric(float64(user-user0)/1e3/float64(b.N), "user-µs/msg")
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	if n := db.stats.batches.Load(); n > 0 {
		b.ReportMetric(float64(db.stats.items.Load())/float64(n), "items/batch")
	}
}

// BenchmarkDeliverParallel16: 16 senders delivering 4 KB messages, each
// acknowledged only after the blob and the commit are durable.
func BenchmarkDeliverParallel16(b *testing.B) { deliverN(b, 16) }

// BenchmarkDeliverSerial: one sender, so every delivery is a batch of one.
func BenchmarkDeliverSerial(b *testing.B) { deliverN(b, 1) }

// BenchmarkDeliverTextIndex: 16 senders with the production analyser
// (MIME structure), the full-text index off and on: the CPU a delivery
// costs (cpu-µs/msg, user+system of the whole process) is what indexing
// adds to.
func BenchmarkDeliverTextIndex(b *testing.B) {
	for _, off := range []bool{true, false} {
		b.Run(fmt.Sprintf("index=%v", !off), func(b *testing.B) {
			deliverOpt(b, 16, Options{Analyze: mimeAnalyzer, NoTextIndex: off})
		})
	}
}

// cpuTime returns the process's user+system and user CPU time in
// nanoseconds. The system time is mostly the fsyncs, and varies with the
// disk; the user time is the work indexing adds to.
func cpuTime() (total, user int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), ru.Utime.Nano()
}

// BenchmarkOpenRead streams a 100 KB message.
func BenchmarkOpenRead(b *testing.B) {
	db := openTest(b, Options{})
	setup(b, db, 1)
	in, err := db.Folder(b.Context(), 1, store.Inbox)
	if err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz\r\n"), 100<<10/38)
	m, err := db.Append(b.Context(), in.ID, store.NewMessage{Body: bytes.NewReader(body)})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, err := db.Open(b.Context(), in.ID, m.UID)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, r, buf)
		r.Close()
		if err != nil || n != int64(len(body)) {
			b.Fatalf("read %d bytes: %v", n, err)
		}
	}
}
