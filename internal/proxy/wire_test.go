package proxy_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/proxy"
)

func TestHandoffWire(t *testing.T) {
	h := proxy.Handoff{User: alice, SessionID: "abc", Remote: c1, Local: c1, ClientTLS: true, AuthTimeout: 90 * time.Second, MaxCommandSize: 10240, Log: quiet}
	line, err := h.Wire("IMAP4")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"protocol":"IMAP4","user_id":7,"user":"alice@mail.test","session":"abc","remote":"192.0.2.1:40000","local":"192.0.2.1:40000","client_tls":true,"auth_timeout_ms":90000,"max_command":10240}` + "\n"
	if string(line) != want {
		t.Errorf("line\n%s\nwant\n%s", line, want)
	}
	w, err := proxy.ParseHandoff(line)
	if err != nil {
		t.Fatal(err)
	}
	if w != (proxy.WireHandoff{Protocol: "IMAP4", UserID: 7, UserName: "alice@mail.test", SessionID: "abc", Remote: c1, Local: c1, ClientTLS: true, AuthTimeout: 90 * time.Second, MaxCommandSize: 10240}) {
		t.Errorf("parsed %+v", w)
	}
	if _, err := (proxy.Handoff{User: alice, SessionID: "abc", MaxCommandSize: 1}).Wire("IMAP4"); err == nil {
		t.Error("a handoff without addresses was sent")
	}
	good := strings.TrimSuffix(string(line), "\n")
	for _, bad := range []string{
		"", "{}", "null", "[]", good + good, good + "\n" + good, good + " x",
		strings.Replace(good, `"v":1`, `"v":2`, 1),
		strings.Replace(good, `"IMAP4"`, `"SMTP"`, 1),
		strings.Replace(good, `"user_id":7`, `"user_id":0`, 1),
		strings.Replace(good, `"user_id":7`, `"user_id":"7"`, 1),
		strings.Replace(good, `"session":"abc"`, `"session":""`, 1),
		strings.Replace(good, `"session":"abc"`, `"session":"a b"`, 1),
		strings.Replace(good, `"user":"alice@mail.test"`, `"user":"alice\r\nx"`, 1),
		strings.Replace(good, `"remote":"192.0.2.1:40000"`, `"remote":"192.0.2.1"`, 1),
		strings.Replace(good, `"local":"192.0.2.1:40000"`, `"local":"[fe80::1%eth0]:1"`, 1),
		strings.Replace(good, `"auth_timeout_ms":90000`, `"auth_timeout_ms":-1`, 1),
		strings.Replace(good, `"max_command":10240`, `"max_command":-1`, 1),
		strings.Replace(good, `"max_command":10240`, `"max_command":99999999999`, 1),
		good[:len(good)-1] + `,"pad":"` + strings.Repeat("x", 4096) + `"}`,
	} {
		if w, err := proxy.ParseHandoff([]byte(bad)); err == nil {
			t.Errorf("accepted %.80q: %+v", bad, w)
		}
	}
	// The name is for logs: UTF-8 passes, what a log should not carry is
	// replaced.
	u := alice
	u.Alias = "zoë\x01 x"
	line, err = proxy.Handoff{User: u, SessionID: "abc", Remote: c1, Local: c1}.Wire("POP3")
	if err != nil {
		t.Fatal(err)
	}
	if w, err := proxy.ParseHandoff(line); err != nil || w.UserName != "zoë??x@mail.test" || w.MaxCommandSize != 0 {
		t.Errorf("name for logs: %+v, %v", w, err)
	}
	// Unknown fields are ignored (a later build may add some).
	if _, err := proxy.ParseHandoff([]byte(good[:len(good)-1] + `,"extra":1}` + "\r\n")); err != nil {
		t.Errorf("an unknown field: %v", err)
	}
}

func FuzzHandoff(f *testing.F) {
	line, _ := proxy.Handoff{User: alice, SessionID: "abc", Remote: c1, Local: c1, MaxCommandSize: 1}.Wire("POP3")
	f.Add(line)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte("garbage\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := proxy.ParseHandoff(b)
		if err != nil {
			return
		}
		// What parses is within bounds and survives a round trip.
		if w.UserID <= 0 || w.MaxCommandSize < 0 || w.AuthTimeout < 0 || !w.Remote.IsValid() || strings.ContainsAny(w.UserName+w.SessionID, "\r\n ") {
			t.Fatalf("accepted %+v", w)
		}
		again, err := w.Marshal()
		if err != nil {
			t.Fatalf("parsed %+v does not marshal: %v", w, err)
		}
		w2, err := proxy.ParseHandoff(again)
		if err != nil || w2 != w {
			t.Fatalf("round trip: %+v, %v; want %+v", w2, err, w)
		}
		if bytes.Count(again, []byte("\n")) != 1 {
			t.Fatalf("marshalled to %q", again)
		}
	})
}

type fakeDir map[string]directory.Database

func (d fakeDir) Database(_ context.Context, name string) (directory.Database, error) {
	db, ok := d[name]
	if !ok {
		return directory.Database{}, errors.New("no such database")
	}
	return db, nil
}

func TestRouterRemote(t *testing.T) {
	local, remote := &echoBackend{}, &proxy.RemoteBackend{Addr: "192.0.2.9:1993"}
	var asked []string
	r := &proxy.Router{
		Directory: fakeDir{"DB1": {Name: "DB1", Server: "EX1"}},
		Server:    "EX1",
		Local:     func(string) proxy.Backend { return local },
	}
	if b, err := r.Route(t.Context(), "IMAP4", alice); err != nil || b != local {
		t.Errorf("local: %v, %v", b, err)
	}
	active := "EX2"
	r.Locate = func(_ context.Context, db directory.Database) (string, error) { return active, nil }
	if _, err := r.Route(t.Context(), "IMAP4", alice); !errors.Is(err, proxy.ErrRemoteServer) {
		t.Errorf("remote without Remote: %v", err)
	}
	r.Remote = func(_ context.Context, server, protocol string) (proxy.Backend, error) {
		asked = append(asked, server+"/"+protocol)
		return remote, nil
	}
	if b, err := r.Route(t.Context(), "POP3", alice); err != nil || b != remote || strings.Join(asked, ",") != "EX2/POP3" {
		t.Errorf("remote: %v, %v, asked %q", b, err, asked)
	}
	active = "EX1"
	if b, err := r.Route(t.Context(), "IMAP4", alice); err != nil || b != local {
		t.Errorf("active copy back here: %v, %v", b, err)
	}
	r.Locate = func(context.Context, directory.Database) (string, error) { return "", errors.New("lease table down") }
	if _, err := r.Route(t.Context(), "IMAP4", alice); err == nil {
		t.Error("a Locate failure routed")
	}
}
