package proxytest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/sqlite"
	"github.com/postern/postern/internal/testkit"
)

var quiet = slog.New(slog.DiscardHandler)

var (
	alice = directory.User{ID: 7, Alias: "alice", Domain: "mail.test", Database: "DB1"}
	// bob is in the directory but has no mailbox in the store.
	bob = directory.User{ID: 8, Alias: "bob", Domain: "mail.test", Database: "DB1"}
)

const hello = "From: bob@mail.test\r\nSubject: hello\r\n\r\nHi Alice.\r\n"

// env is two servers of one organisation: the backend of protocol on EX2
// over a SQLite store holding alice's mailbox (one message), and a
// frontend on EX1 whose clients are logged on as user.
type env struct {
	db    *sqlite.DB
	front string
	// stop stops the backend service.
	stop func()
}

func setup(t *testing.T, protocol string, user directory.User, newBackend func(func(string) (store.Store, error)) (proxy.Backend, func())) env {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, sqlite.Options{Dir: t.TempDir(), Analyze: analyze})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateAccount(ctx, store.AccountID(alice.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Deliver(ctx, []store.AccountID{store.AccountID(alice.ID)}, strings.NewReader(hello), time.Now()); err != nil {
		t.Fatal(err)
	}
	be, stop := newBackend(func(name string) (store.Store, error) {
		if name != alice.Database {
			return nil, errors.New("no such database")
		}
		return db, nil
	})
	var stopped atomic.Bool
	stopOnce := func() {
		if !stopped.Swap(true) {
			stop()
		}
	}
	t.Cleanup(stopOnce)

	caCert, caKey, err := proxy.NewCA("Contoso")
	if err != nil {
		t.Fatal(err)
	}
	c1, k1, err := proxy.IssueServerCert(caCert, caKey, "EX1", "ex1.mail.test", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c2, k2, err := proxy.IssueServerCert(caCert, caKey, "EX2", "ex2.mail.test", []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	frontTLS, err := proxy.FrontendTLS(caCert, c1, k1)
	if err != nil {
		t.Fatal(err)
	}
	backTLS, err := proxy.BackendTLS(caCert, c2, k2)
	if err != nil {
		t.Fatal(err)
	}
	back := start(t, protocol+" proxy target", backTLS, &proxy.ProxyHandler{
		Protocol: protocol,
		Backend: func() proxy.Backend {
			if stopped.Load() {
				return nil // as the server's Local does for a stopped service
			}
			return be
		},
		LookupUser: func(_ context.Context, id int64) (directory.User, error) {
			for _, u := range []directory.User{alice, bob} {
				if u.ID == id {
					return u, nil
				}
			}
			return directory.User{}, errors.New("no such user")
		},
		Logger: quiet,
	})
	// The frontend's client-facing certificate: EX1's will do.
	pair, err := tls.X509KeyPair(c1, k1)
	if err != nil {
		t.Fatal(err)
	}
	front := start(t, protocol, &tls.Config{Certificates: []tls.Certificate{pair}},
		frontend{user, &proxy.RemoteBackend{Addr: back, TLS: frontTLS, Protocol: protocol, Server: "EX2"}})
	return env{db: db, front: front, stop: stopOnce}
}

// frontend stands in for a frontend after logon: it hands the connection
// over and greets with "+ relayed", or answers "- ERROR" and closes.
type frontend struct {
	user directory.User
	rb   *proxy.RemoteBackend
}

func (frontend) Refuse(*netserve.Conn, string) {}

func (f frontend) ServeConn(ctx context.Context, c *netserve.Conn) {
	s, err := f.rb.Open(ctx, proxy.NewHandoff(f.user, c, 30*time.Minute, 10240, quiet))
	if err != nil {
		if errors.Is(err, proxy.ErrBackendStopped) {
			c.WriteString("- temporary\r\n")
		} else {
			c.WriteString("- " + err.Error() + "\r\n")
		}
		return
	}
	c.WriteString("+ relayed\r\n")
	c.SetIdleTimeout(30 * time.Minute)
	s.Run(ctx, c)
}

func start(t *testing.T, name string, cfg *tls.Config, h netserve.Handler) string {
	t.Helper()
	s, err := netserve.Start(netserve.Options{
		Name:    name,
		Listen:  []netserve.Listen{{Addr: testkit.FreeLoopbackAddr(t), Implicit: true}},
		TLS:     cfg,
		Handler: h,
		Logger:  quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(time.Second) })
	return s.Addrs()[0].String()
}

func (e env) dial(t *testing.T) *testkit.Client {
	t.Helper()
	return testkit.Dial(t, e.front, &tls.Config{InsecureSkipVerify: true})
}

// analyze is the server's analyser (internal/server), for FETCH of parts.
func analyze(r io.Reader) ([]byte, error) {
	p, err := mime.Parse(r, mime.Options{})
	if err != nil {
		return nil, err
	}
	return p.MarshalBinary()
}
