package queue_test

import (
	"context"
	"net"
	stdsmtp "net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/postern/postern/internal/queue"
	"github.com/postern/postern/internal/testkit"
)

// BenchmarkEnqueue stores 4 KB messages in the queue from 16 goroutines:
// each one fsynced and committed before Enqueue returns.
func BenchmarkEnqueue(b *testing.B) {
	q, err := queue.Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	body := "Subject: bench\r\n\r\n" + strings.Repeat("x", 4000) + "\r\n"
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := q.Enqueue(context.Background(), "alice@mail.test", []string{"bob@remote.test"}, strings.NewReader(body), int64(len(body))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSubmitRemote16 submits 4 KB messages for a remote recipient
// on the Client Frontend (STARTTLS, AUTH PLAIN) from 16 clients; each 250
// follows the queue's durable commit. The test server is loopback-only
// with no route, so the messages stay queued.
func BenchmarkSubmitRemote16(b *testing.B) {
	s := testkit.Start(b, testkit.Options{NoPOP3: true, NoIMAP: true})
	s.AddUser("alice@mail.test", "secret1")
	cfg := s.ClientTLS("localhost")
	body := "From: alice@mail.test\r\nSubject: bench\r\n\r\n" + strings.Repeat("x", 4000) + "\r\n"
	const clients = 16
	work := make(chan struct{}, b.N)
	for i := 0; i < b.N; i++ {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.Dial("tcp", s.Submission)
			if err != nil {
				b.Error(err)
				return
			}
			c, err := stdsmtp.NewClient(conn, "localhost")
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			if err := c.StartTLS(cfg); err != nil {
				b.Error(err)
				return
			}
			if err := c.Auth(stdsmtp.PlainAuth("", "alice@mail.test", "secret1", "localhost")); err != nil {
				b.Error(err)
				return
			}
			for range work {
				if err := c.Mail("alice@mail.test"); err != nil {
					b.Error(err)
					return
				}
				if err := c.Rcpt("bob@remote.test"); err != nil {
					b.Error(err)
					return
				}
				w, err := c.Data()
				if err == nil {
					_, err = w.Write([]byte(body))
				}
				if err == nil {
					err = w.Close()
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
