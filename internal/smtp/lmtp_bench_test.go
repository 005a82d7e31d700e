package smtp

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// nopDeliverer accepts everything and stores nothing.
type nopDeliverer struct{}

func (nopDeliverer) Recipient(context.Context, string) error { return nil }

func (nopDeliverer) Deliver(_ context.Context, _ string, rcpts []string, body io.Reader, _ int64) []error {
	io.Copy(io.Discard, body)
	return make([]error, len(rcpts))
}

// BenchmarkLMTPDeliver measures whole LMTP transactions (MAIL, RCPT,
// DATA with a 4 KB body, one reply) over loopback from 16 clients with
// persistent connections, against a Deliverer that stores nothing.
func BenchmarkLMTPDeliver(b *testing.B) {
	const clients = 16
	srv, err := NewLMTPServer(LMTPOptions{Hostname: "mx.test", Deliverer: nopDeliverer{}, SpoolDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go srv.ServeConn(b.Context(), c)
		}
	}()
	line := strings.Repeat("x", 62) + "\r\n"
	body := "Subject: benchmark\r\n\r\n" + strings.Repeat(line, (4096-22)/len(line))
	body += strings.Repeat("y", 4096-len(body)-2) + "\r\n"
	cls := make([]*Client, clients)
	for i := range cls {
		if cls[i], err = Dial(b.Context(), "tcp", l.Addr().String()); err != nil {
			b.Fatal(err)
		}
		defer cls[i].Close()
		if err := cls[i].LHLO("bench.test"); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for _, c := range cls {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				per, err := c.Send("s@example.org", []string{"a@mx.test"}, strings.NewReader(body))
				if err != nil || per[0] != nil {
					b.Errorf("Send: %v, %v", per, err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
