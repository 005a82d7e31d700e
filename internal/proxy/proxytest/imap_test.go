package proxytest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
	imapbackend "github.com/postern/postern/internal/imap/backend"
	"github.com/postern/postern/internal/mime"
	"github.com/postern/postern/internal/netserve"
	"github.com/postern/postern/internal/proxy"
	"github.com/postern/postern/internal/store"
	"github.com/postern/postern/internal/store/sqlite"
	"github.com/postern/postern/internal/testkit"
)

var quiet = slog.New(slog.DiscardHandler)

var alice = directory.User{ID: 7, Alias: "alice", Domain: "mail.test", Database: "DB1"}

// frontend stands in for the IMAP4 frontend after LOGIN: it hands the
// connection over as alice and greets with the LOGIN's OK.
type frontend struct{ rb *proxy.RemoteBackend }

func (frontend) Refuse(*netserve.Conn, string) {}

func (f frontend) ServeConn(ctx context.Context, c *netserve.Conn) {
	s, err := f.rb.Open(ctx, proxy.NewHandoff(alice, c, 30*time.Minute, 10240, quiet))
	if err != nil {
		c.WriteString("* BYE " + err.Error() + "\r\n")
		return
	}
	c.WriteString("* OK LOGIN completed.\r\n")
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

// TestIMAPThroughProxy drives a real IMAP4 backend over a SQLite store on
// "EX2" from a client of a frontend on "EX1", through RemoteBackend and
// ProxyHandler over TLS with the organisation's certificates.
func TestIMAPThroughProxy(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, sqlite.Options{Dir: t.TempDir(), Analyze: analyze})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateAccount(ctx, store.AccountID(alice.ID)); err != nil {
		t.Fatal(err)
	}
	msg := "From: bob@mail.test\r\nSubject: hello\r\n\r\nHi Alice.\r\n"
	if _, err := db.Deliver(ctx, []store.AccountID{store.AccountID(alice.ID)}, strings.NewReader(msg), time.Now()); err != nil {
		t.Fatal(err)
	}
	be := imapbackend.New(imapbackend.Options{
		Store: func(name string) (store.Store, error) {
			if name != alice.Database {
				return nil, errors.New("no such database")
			}
			return db, nil
		},
		Logger: quiet,
	})
	t.Cleanup(func() { be.Stop(time.Second) })

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
	back := start(t, "IMAP4 proxy target", backTLS, &proxy.ProxyHandler{
		Protocol: "IMAP4",
		Backend:  func() proxy.Backend { return be },
		LookupUser: func(_ context.Context, id int64) (directory.User, error) {
			if id != alice.ID {
				return directory.User{}, errors.New("no such user")
			}
			return alice, nil
		},
		Logger: quiet,
	})
	// The frontend's client-facing certificate: EX1's will do.
	pair, err := tls.X509KeyPair(c1, k1)
	if err != nil {
		t.Fatal(err)
	}
	front := start(t, "IMAP4", &tls.Config{Certificates: []tls.Certificate{pair}},
		frontend{&proxy.RemoteBackend{Addr: back, TLS: frontTLS, Protocol: "IMAP4", Server: "EX2"}})

	c := testkit.Dial(t, front, &tls.Config{InsecureSkipVerify: true})
	c.Expect("* OK LOGIN completed.")
	c.Send("a SELECT INBOX\r\n")
	untilTagged(t, c, "a", "a OK [READ-WRITE] SELECT completed.")
	c.Send("b FETCH 1 (FLAGS BODY[])\r\n")
	got := untilTagged(t, c, "b", "b OK FETCH completed.")
	if all := strings.Join(got, "\n"); !strings.Contains(all, "Subject: hello") || !strings.Contains(all, "Hi Alice.") {
		t.Errorf("FETCH: %q", got)
	}
	up := "From: alice@mail.test\r\nSubject: draft\r\n\r\nAppended through the proxy.\r\n"
	c.Send(fmt.Sprintf("c APPEND INBOX {%d}\r\n", len(up)))
	c.Expect("+ *")
	c.Send(up + "\r\n")
	untilTagged(t, c, "c", "c OK [APPENDUID *")
	c.Send("d UID FETCH 1:* (UID BODY[HEADER.FIELDS (SUBJECT)])\r\n")
	got = untilTagged(t, c, "d", "d OK FETCH completed.")
	if all := strings.Join(got, "\n"); !strings.Contains(all, "Subject: draft") {
		t.Errorf("after APPEND: %q", got)
	}
	c.Send("e LOGOUT\r\n")
	rest := c.Closed()
	if len(rest) != 2 || !strings.HasPrefix(rest[0], "* BYE") || rest[1] != "e OK LOGOUT completed." {
		t.Errorf("LOGOUT: %q", rest)
	}
	// The store holds the appended message.
	in, err := db.Folder(ctx, store.AccountID(alice.ID), store.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	if msgs, err := db.Messages(ctx, in.ID); err != nil || len(msgs) != 2 {
		t.Errorf("Inbox: %d messages, %v", len(msgs), err)
	}
}

// analyze is the server's analyser (internal/server), for FETCH of parts.
func analyze(r io.Reader) ([]byte, error) {
	p, err := mime.Parse(r, mime.Options{})
	if err != nil {
		return nil, err
	}
	return p.MarshalBinary()
}

// untilTagged reads lines up to the tagged reply and checks it (want may
// end in "*"); it returns the lines before it.
func untilTagged(t *testing.T, c *testkit.Client, tag, want string) []string {
	t.Helper()
	var got []string
	for {
		l := c.Line()
		if strings.HasPrefix(l, tag+" ") {
			p, wild := strings.CutSuffix(want, "*")
			if l != want && !(wild && strings.HasPrefix(l, p)) {
				t.Fatalf("%s: got %q, want %q (after %q)", tag, l, want, got)
			}
			return got
		}
		got = append(got, l)
	}
}
