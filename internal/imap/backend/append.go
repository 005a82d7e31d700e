package backend

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// appendCmd runs APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315 §3).
// The message streams from the connection into the store; the tagged OK
// goes out only after the store's durable commit.
func (s *session) appendCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	lit := cmd.Literal
	if lit == nil { // no message literal: the arguments are wrong
		return bad(textArgError), nil
	}
	name := cleanName(args.Mailbox())
	var flags []string
	if args.More() && args.Peek() == '(' {
		flags = args.FlagList()
	}
	var date time.Time
	if args.More() && args.Peek() == '"' {
		date = args.DateTime()
	}
	if args.End(); args.Err() != nil {
		return s.refuseAppend(argReply(cmd.Name, args.Err()))
	}
	kept := flags[:0:0]
	for _, f := range flags {
		if !strings.EqualFold(f, `\Recent`) {
			kept = append(kept, f)
		}
	}
	f, err := s.st.Folder(ctx, s.acct, name)
	if err != nil {
		r := s.storeReply("APPEND", err)
		if r.code == "NONEXISTENT" {
			r.code = "TRYCREATE"
		}
		return s.refuseAppend(r)
	}
	body, err := lit.Open()
	if err != nil {
		return reply{}, err // the continuation could not be sent
	}
	m, serr := s.st.Append(ctx, f.ID, store.NewMessage{Body: body, Flags: kept, InternalDate: date})
	if ferr := s.d.FinishCommand(); ferr != nil {
		if wire.IsFatal(ferr) {
			return reply{}, ferr
		}
		if serr == nil { // a bad tail: the command was not what it seemed
			s.st.Expunge(ctx, f.ID, []uint32{m.UID})
		}
		return bad(textArgError), nil
	}
	if serr != nil {
		return s.storeReply("APPEND", serr), nil
	}
	if s.view != nil && s.view.folder.ID == f.ID {
		s.dirty.Store(true)
	}
	code := "APPENDUID " + strconv.FormatUint(uint64(f.UIDValidity), 10) + " " + strconv.FormatUint(uint64(m.UID), 10)
	return okCode(code, "APPEND completed."), nil
}

// refuseAppend answers an APPEND whose literal was not accepted: the
// client, waiting for a continuation, gets the tagged reply instead.
func (s *session) refuseAppend(r reply) (reply, error) {
	if err := s.d.FinishCommand(); wire.IsFatal(err) {
		return reply{}, err
	}
	return r, nil
}
