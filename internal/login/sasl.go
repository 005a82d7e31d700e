package login

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
)

// SASL errors.
var (
	ErrUnknownMechanism = errors.New("login: unknown SASL mechanism")
	ErrSASLSyntax       = errors.New("login: malformed SASL response")
	ErrCancelled        = errors.New("login: authentication cancelled")
)

// maxSASLResponse bounds a decoded SASL response.
const maxSASLResponse = 4096

// SASL is one server-side SASL exchange. The adapter sends each challenge
// (base64-encoded in its own syntax) and feeds back the client's decoded
// responses until Done.
type SASL interface {
	// Start takes the initial response (nil if none was given, or an empty
	// slice for RFC 5034's "=") and returns the first challenge.
	Start(initial []byte) (challenge []byte, done bool, err error)
	// Next takes a decoded client response.
	Next(response []byte) (challenge []byte, done bool, err error)
	// Credentials are valid once done.
	Credentials() (authzid, user, password string)
}

// NewSASL returns the server side of mechanism name (case-insensitive), if
// it is one of mechs.
func NewSASL(name string, mechs []string) (SASL, error) {
	name = strings.ToUpper(name)
	found := false
	for _, m := range mechs {
		found = found || m == name
	}
	if !found {
		return nil, ErrUnknownMechanism
	}
	switch name {
	case "PLAIN":
		return &plain{}, nil
	case "LOGIN":
		return &loginMech{}, nil
	}
	return nil, ErrUnknownMechanism
}

// DecodeResponse decodes a client's base64 SASL response line: "*" cancels
// (RFC 5034 §4, RFC 3501 §6.2.2), "=" is an empty initial response.
func DecodeResponse(line string) ([]byte, error) {
	if line == "*" {
		return nil, ErrCancelled
	}
	if line == "=" {
		return []byte{}, nil
	}
	if base64.StdEncoding.DecodedLen(len(line)) > maxSASLResponse {
		return nil, ErrSASLSyntax
	}
	b, err := base64.StdEncoding.DecodeString(line)
	if err != nil {
		return nil, ErrSASLSyntax
	}
	return b, nil
}

// plain is RFC 4616: authzid NUL authcid NUL passwd.
type plain struct{ authz, user, pass string }

func (p *plain) Start(initial []byte) ([]byte, bool, error) {
	if initial == nil || len(initial) == 0 {
		return []byte{}, false, nil // empty challenge: "+ "
	}
	return p.Next(initial)
}

func (p *plain) Next(r []byte) ([]byte, bool, error) {
	parts := bytes.Split(r, []byte{0})
	if len(parts) != 3 || len(parts[1]) == 0 {
		return nil, false, ErrSASLSyntax
	}
	p.authz, p.user, p.pass = string(parts[0]), string(parts[1]), string(parts[2])
	return nil, true, nil
}

func (p *plain) Credentials() (string, string, string) { return p.authz, p.user, p.pass }

// loginMech is the de-facto LOGIN mechanism (draft-murchison-sasl-login):
// the server asks "Username:" then "Password:".
type loginMech struct {
	step       int
	user, pass string
}

func (l *loginMech) Start(initial []byte) ([]byte, bool, error) {
	if len(initial) > 0 {
		return l.Next(initial)
	}
	return []byte("Username:"), false, nil
}

func (l *loginMech) Next(r []byte) ([]byte, bool, error) {
	if bytes.IndexByte(r, 0) >= 0 {
		return nil, false, ErrSASLSyntax
	}
	switch l.step {
	case 0:
		if len(r) == 0 {
			return nil, false, ErrSASLSyntax
		}
		l.user, l.step = string(r), 1
		return []byte("Password:"), false, nil
	case 1:
		l.pass, l.step = string(r), 2
		return nil, true, nil
	}
	return nil, false, ErrSASLSyntax
}

func (l *loginMech) Credentials() (string, string, string) { return "", l.user, l.pass }
