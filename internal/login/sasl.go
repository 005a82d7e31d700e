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

// Prompter is one protocol's side of a SASL exchange: it sends a
// challenge in its syntax ("+ base64" for IMAP4 and POP3, "334 base64"
// for SMTP) and reads the client's next response line. A line the
// protocol refuses (too long) is reported as ErrSASLSyntax; any other
// error ends the connection.
type Prompter interface {
	Challenge(challenge []byte) error
	Response() ([]byte, error)
}

// Exchange runs the server side of a SASL exchange with the client's
// decoded initial response (nil if none was sent; empty for "=") and p
// for the rest. It returns the credentials, or ErrCancelled or
// ErrSASLSyntax for the protocol to answer (ClientError), or p's error,
// which ends the connection.
func Exchange(s SASL, initial []byte, p Prompter) (authzid, user, password string, err error) {
	var resp []byte
	chal, done, err := s.Start(initial)
	for err == nil && !done {
		if err = p.Challenge(chal); err != nil {
			return "", "", "", err
		}
		var line []byte
		if line, err = p.Response(); err != nil {
			return "", "", "", err
		}
		if resp, err = DecodeResponse(string(line)); err == nil {
			chal, done, err = s.Next(resp)
		}
	}
	if err != nil {
		return "", "", "", err
	}
	authzid, user, password = s.Credentials()
	return authzid, user, password, nil
}

// ClientError reports the errors of Exchange that the protocol
// answers and goes on from.
func ClientError(err error) bool {
	return errors.Is(err, ErrCancelled) || errors.Is(err, ErrSASLSyntax)
}
