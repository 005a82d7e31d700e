package backend

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/postern/postern/internal/imap/wire"
	"github.com/postern/postern/internal/store"
)

// cleanName drops trailing separators (RFC 3501 §6.3.3: "foo/" creates
// "foo") and canonicalises the Inbox.
func cleanName(name string) string {
	name = strings.TrimRight(name, store.Separator)
	if strings.EqualFold(name, store.Inbox) {
		return store.Inbox
	}
	return name
}

// create runs CREATE, making missing parents too (RFC 3501 §6.3.3).
func (s *session) create(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	name := cleanName(args.Mailbox())
	if args.End(); args.Err() != nil || name == "" {
		return bad(textArgError), nil
	}
	if name == store.Inbox {
		return reply{status: wire.StatusNO, code: "ALREADYEXISTS", text: "CREATE failed: the mailbox already exists."}, nil
	}
	parts := strings.Split(name, store.Separator)
	for i := 1; i < len(parts); i++ {
		parent := strings.Join(parts[:i], store.Separator)
		if _, err := s.st.Folder(ctx, s.acct, parent); err != nil {
			if _, err := s.st.CreateFolder(ctx, s.acct, parent); err != nil && !isExists(err) {
				return s.storeReply("CREATE", err), nil
			}
		}
	}
	if _, err := s.st.CreateFolder(ctx, s.acct, name); err != nil {
		return s.storeReply("CREATE", err), nil
	}
	return ok("CREATE completed."), nil
}

// deleteCmd runs DELETE. The Inbox cannot be deleted; children stay.
func (s *session) deleteCmd(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	name := cleanName(args.Mailbox())
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	if name == store.Inbox {
		return reply{status: wire.StatusNO, code: "CANNOT", text: "DELETE failed: the Inbox cannot be deleted."}, nil
	}
	if s.view != nil && s.view.folder.Name == name {
		s.deselect()
	}
	if err := s.st.DeleteFolder(ctx, s.acct, name); err != nil {
		return s.storeReply("DELETE", err), nil
	}
	return ok("DELETE completed."), nil
}

// rename runs RENAME; the store moves children and applies the Inbox
// rule (RFC 3501 §6.3.5).
func (s *session) rename(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	from, to := cleanName(args.Mailbox()), cleanName(args.Mailbox())
	if args.End(); args.Err() != nil || to == "" {
		return bad(textArgError), nil
	}
	if to == store.Inbox {
		return reply{status: wire.StatusNO, code: "ALREADYEXISTS", text: "RENAME failed: the mailbox already exists."}, nil
	}
	if err := s.st.RenameFolder(ctx, s.acct, from, to); err != nil {
		return s.storeReply("RENAME", err), nil
	}
	return ok("RENAME completed."), nil
}

// subscribe runs SUBSCRIBE and UNSUBSCRIBE.
func (s *session) subscribe(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	name := cleanName(args.Mailbox())
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	if err := s.st.SetSubscribed(ctx, s.acct, name, cmd.Name == "SUBSCRIBE"); err != nil {
		return s.storeReply(cmd.Name, err), nil
	}
	return ok(cmd.Name + " completed."), nil
}

// status runs STATUS (RFC 3501 §6.3.10). RECENT is always 0, as on
// Exchange.
func (s *session) status(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	name := cleanName(args.Mailbox())
	items := args.StatusItems()
	if args.End(); args.Err() != nil {
		return bad(textArgError), nil
	}
	f, err := s.st.Folder(ctx, s.acct, name)
	if err != nil {
		return s.storeReply("STATUS", err), nil
	}
	var out []string
	for _, it := range items {
		var v uint64
		switch strings.ToUpper(it) {
		case "MESSAGES":
			v = uint64(f.Messages)
		case "RECENT":
			v = 0
		case "UIDNEXT":
			v = uint64(f.UIDNext)
		case "UIDVALIDITY":
			v = uint64(f.UIDValidity)
		case "UNSEEN":
			v = uint64(f.Unseen)
		case "HIGHESTMODSEQ": // RFC 7162 §3.1.6
			v = f.HighestModSeq
			s.cond.condstore = true
		default:
			return bad(textArgError), nil
		}
		out = append(out, strings.ToUpper(it)+" "+strconv.FormatUint(v, 10))
	}
	s.c.WriteString("* STATUS " + mailboxName(f.Name) + " (" + strings.Join(out, " ") + ")\r\n")
	return ok("STATUS completed."), nil
}

func isExists(err error) bool { return errors.Is(err, store.ErrExists) }
