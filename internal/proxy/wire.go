package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The handoff line is what a frontend sends a backend on another server
// after the TLS handshake of the proxy hop: one JSON object on one line of
// at most MaxHandoffLine bytes,
//
//	{"v":1,"protocol":"IMAP4","user_id":42,"user":"alice@example.com",
//	 "session":"…","remote":"ip:port","local":"ip:port","client_tls":true,
//	 "auth_timeout_ms":1800000,"max_command":10240}
//
// answered with one line: "OK", or "NO temp TEXT" (mailbox unavailable,
// backend stopped: the frontend answers with its temporary error) or
// "NO perm TEXT". After OK the connection carries the client's session.
//
// The backend loads the user by user_id from its own directory; "user" is
// for logs only and never looked up.

// MaxHandoffLine bounds the handoff line, line ending included.
const MaxHandoffLine = 4096

// HandoffVersion is the version of the handoff line this build speaks.
const HandoffVersion = 1

// maxReplyLine bounds the backend's answer line.
const maxReplyLine = 512

// WireHandoff is a parsed handoff line: the user by ID only.
type WireHandoff struct {
	Protocol       string
	UserID         int64
	UserName       string // for logs only
	SessionID      string
	Remote         netip.AddrPort
	Local          netip.AddrPort
	ClientTLS      bool
	AuthTimeout    time.Duration
	MaxCommandSize int
}

type handoffJSON struct {
	V             int    `json:"v"`
	Protocol      string `json:"protocol"`
	UserID        int64  `json:"user_id"`
	User          string `json:"user"`
	Session       string `json:"session"`
	Remote        string `json:"remote"`
	Local         string `json:"local"`
	ClientTLS     bool   `json:"client_tls"`
	AuthTimeoutMS int64  `json:"auth_timeout_ms"`
	MaxCommand    int    `json:"max_command"`
}

// Bounds of the values a handoff line may carry.
const (
	maxWireUser       = 320
	maxWireSession    = 64
	maxWireTimeout    = 24 * time.Hour
	maxWireMaxCommand = 1 << 20
)

var errBadHandoff = errors.New("proxy: bad handoff")

// Wire returns the handoff line for h (with its line ending).
func (h Handoff) Wire(protocol string) ([]byte, error) {
	return WireHandoff{
		Protocol:       protocol,
		UserID:         h.User.ID,
		UserName:       logName(h.User.Address()),
		SessionID:      h.SessionID,
		Remote:         h.Remote,
		Local:          h.Local,
		ClientTLS:      h.ClientTLS,
		AuthTimeout:    h.AuthTimeout,
		MaxCommandSize: h.MaxCommandSize,
	}.Marshal()
}

// Marshal returns the handoff line (with its line ending), or an error if
// w would not pass ParseHandoff.
func (w WireHandoff) Marshal() ([]byte, error) {
	j := handoffJSON{
		V:             HandoffVersion,
		Protocol:      w.Protocol,
		UserID:        w.UserID,
		User:          w.UserName,
		Session:       w.SessionID,
		Remote:        w.Remote.String(),
		Local:         w.Local.String(),
		ClientTLS:     w.ClientTLS,
		AuthTimeoutMS: w.AuthTimeout.Milliseconds(),
		MaxCommand:    w.MaxCommandSize,
	}
	if err := j.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	if len(b) > MaxHandoffLine {
		return nil, fmt.Errorf("%w: line of %d bytes", errBadHandoff, len(b))
	}
	return b, nil
}

// ParseHandoff parses one handoff line (a trailing CRLF or LF is allowed).
// Anything malformed or out of bounds fails; unknown fields are ignored.
func ParseHandoff(line []byte) (WireHandoff, error) {
	if len(line) > MaxHandoffLine {
		return WireHandoff{}, fmt.Errorf("%w: line too long", errBadHandoff)
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if bytes.ContainsAny(line, "\r\n") {
		return WireHandoff{}, fmt.Errorf("%w: more than one line", errBadHandoff)
	}
	var j handoffJSON
	d := json.NewDecoder(bytes.NewReader(line))
	if err := d.Decode(&j); err != nil {
		return WireHandoff{}, fmt.Errorf("%w: %v", errBadHandoff, err)
	}
	if d.More() {
		return WireHandoff{}, fmt.Errorf("%w: data after the object", errBadHandoff)
	}
	if err := j.check(); err != nil {
		return WireHandoff{}, err
	}
	w := WireHandoff{
		Protocol:       j.Protocol,
		UserID:         j.UserID,
		UserName:       j.User,
		SessionID:      j.Session,
		ClientTLS:      j.ClientTLS,
		AuthTimeout:    time.Duration(j.AuthTimeoutMS) * time.Millisecond,
		MaxCommandSize: j.MaxCommand,
	}
	w.Remote, _ = netip.ParseAddrPort(j.Remote)
	w.Local, _ = netip.ParseAddrPort(j.Local)
	return w, nil
}

func (j *handoffJSON) check() error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", errBadHandoff, what) }
	switch {
	case j.V != HandoffVersion:
		return bad(fmt.Sprintf("version %d", j.V))
	case j.Protocol != "POP3" && j.Protocol != "IMAP4":
		return bad("protocol")
	case j.UserID <= 0:
		return bad("user_id")
	case len(j.User) > maxWireUser || logName(j.User) != j.User:
		return bad("user")
	case j.Session == "" || len(j.Session) > maxWireSession || !printable(j.Session):
		return bad("session")
	case j.AuthTimeoutMS < 0 || j.AuthTimeoutMS > maxWireTimeout.Milliseconds():
		return bad("auth_timeout_ms")
	case j.MaxCommand < 0 || j.MaxCommand > maxWireMaxCommand:
		return bad("max_command")
	}
	for _, a := range []string{j.Remote, j.Local} {
		ap, err := netip.ParseAddrPort(a)
		if err != nil || !ap.IsValid() || ap.Addr().Zone() != "" {
			return bad("address")
		}
	}
	return nil
}

// logName is s with what a log line should not carry (invalid UTF-8,
// controls, spaces) replaced by '?', cut to maxWireUser bytes.
func logName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			return '?'
		}
		return r
	}, s)
	for len(s) > maxWireUser {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// printable accepts printable ASCII without spaces (names for logs).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
