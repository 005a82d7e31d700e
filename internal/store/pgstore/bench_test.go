package pgstore

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/testkit/pgtest"
)

// The figures come from pgtest's server: loopback, fsync and
// synchronous_commit off. They measure Postern's and the round trips'
// cost, not a disk's.

// benchBody is a message of about 4 KB whose first line makes it unique,
// so that no delivery is saved by body sharing (as the SQLite benchmark).
func benchBody(n int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Message-ID: <%d@bench.example>\r\nSubject: benchmark\r\n\r\n", n)
	for b.Len() < 4096 {
		b.WriteString("The quick brown fox jumps over the lazy dog, durably and in groups.\r\n")
	}
	return b.Bytes()
}

func benchStore(b *testing.B, conns int32) *Store {
	s := openStore(b, newPool(b, pgtest.URL(b), conns), Options{})
	if err := s.CreateAccount(b.Context(), 1); err != nil {
		b.Fatal(err)
	}
	return s
}

func deliverN(b *testing.B, senders int) {
	s := benchStore(b, int32(max(4, senders)))
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if _, err := s.Deliver(b.Context(), []store.AccountID{1}, bytes.NewReader(benchBody(n)), time.Time{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkDeliverParallel16: 16 senders delivering 4 KB messages into
// one Inbox (each transaction holds the folder row: they queue on it).
func BenchmarkDeliverParallel16(b *testing.B) { deliverN(b, 16) }

// BenchmarkDeliverSerial: one sender.
func BenchmarkDeliverSerial(b *testing.B) { deliverN(b, 1) }

// BenchmarkAppendParallelFolders: 16 writers, each appending to a
// folder of its own: no shared row but the lease's, held FOR SHARE.
func BenchmarkAppendParallelFolders(b *testing.B) {
	s := benchStore(b, 16)
	var folders []store.FolderID
	for i := range 16 {
		f, err := s.CreateFolder(b.Context(), 1, fmt.Sprintf("f%d", i))
		if err != nil {
			b.Fatal(err)
		}
		folders = append(folders, f.ID)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for _, f := range folders {
		wg.Go(func() {
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if _, err := s.Append(b.Context(), f, store.NewMessage{Body: bytes.NewReader(benchBody(n))}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkOpenRead streams a 100 KB message.
func BenchmarkOpenRead(b *testing.B) {
	s := benchStore(b, 4)
	in, err := s.Folder(b.Context(), 1, store.Inbox)
	if err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz\r\n"), 100<<10/38)
	m, err := s.Append(b.Context(), in.ID, store.NewMessage{Body: bytes.NewReader(body)})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r, err := s.Open(b.Context(), in.ID, m.UID)
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

// BenchmarkMessages10k lists a folder of 10,000 messages.
func BenchmarkMessages10k(b *testing.B) {
	s := benchStore(b, 4)
	in, err := s.Folder(b.Context(), 1, store.Inbox)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Append(b.Context(), in.ID, store.NewMessage{Body: bytes.NewReader(benchBody(0))}); err != nil {
		b.Fatal(err)
	}
	drafts, _ := s.Folder(b.Context(), 1, "Drafts")
	// Copies double the folder cheaply: 1, 2, 4, ... rows.
	for n := 1; n < 10000; n *= 2 {
		uids := make([]uint32, 0, n)
		for u := uint32(1); u <= uint32(2*n); u++ {
			uids = append(uids, u)
		}
		if _, _, err := s.Copy(b.Context(), in.ID, uids, drafts.ID); err != nil {
			b.Fatal(err)
		}
		ms, _ := s.Messages(b.Context(), drafts.ID)
		var du []uint32
		for _, m := range ms {
			du = append(du, m.UID)
		}
		if _, _, err := s.Move(b.Context(), drafts.ID, du, in.ID); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		ms, err := s.Messages(b.Context(), in.ID)
		if err != nil || len(ms) < 10000 {
			b.Fatalf("listed %d: %v", len(ms), err)
		}
	}
}
