package backend

import (
	"context"
	"strconv"

	"github.com/postern/postern/internal/imap/wire"
)

// capabilities after logon: Exchange's list (spec §4.2) less the login
// part.
const capabilities = "IMAP4 IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+ " + sortSearchCaps

func (s *session) capability(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	s.c.WriteString("* CAPABILITY " + capabilities + "\r\n")
	return ok("CAPABILITY completed."), nil
}

// noop and check are the client's polls (RFC 3501 §6.1.2, §6.4.1): they
// re-read the folder even if no change event has arrived yet.
func (s *session) noop(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	s.dirty.Store(true)
	return ok("NOOP completed."), nil
}

func (s *session) check(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	s.dirty.Store(true)
	return ok("CHECK completed."), nil
}

func (s *session) logout(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	s.c.WriteString("* BYE " + textSignOff + "\r\n")
	return ok("LOGOUT completed."), errLogout
}

// id answers ID (RFC 2971).
func (s *session) id(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	args.IDParams()
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	s.c.WriteString(`* ID ("name" "Postern")` + "\r\n")
	return ok("ID completed."), nil
}

// namespace answers as Exchange does: one personal namespace with "/" as
// separator, no others (spec §4.2).
func (s *session) namespace(_ context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	s.c.WriteString(`* NAMESPACE (("" "/")) NIL NIL` + "\r\n")
	return ok("NAMESPACE completed."), nil
}

// untaggedN writes "* <n> <what>".
func (s *session) untaggedN(n int, what string) {
	w := s.c.Writer()
	w.WriteString("* ")
	w.WriteString(strconv.Itoa(n))
	w.WriteByte(' ')
	w.WriteString(what)
	w.WriteString("\r\n")
}
