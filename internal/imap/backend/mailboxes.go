package backend

import (
	"context"
	"errors"
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
	var uses []string
	var use bool
	if s.advertises("CREATE-SPECIAL-USE") {
		uses, use = args.CreateParams()
	}
	if args.End(); args.Err() != nil || name == "" {
		return argReply(cmd.Name, args.Err()), nil
	}
	if name == store.Inbox {
		return reply{status: wire.StatusNO, code: "ALREADYEXISTS", text: "CREATE failed: the mailbox already exists."}, nil
	}
	if use {
		if r, refused := createUse(name, uses); refused {
			return r, nil
		}
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
		return argReply(cmd.Name, args.Err()), nil
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
		return argReply(cmd.Name, args.Err()), nil
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
		return argReply(cmd.Name, args.Err()), nil
	}
	if err := s.st.SetSubscribed(ctx, s.acct, name, cmd.Name == "SUBSCRIBE"); err != nil {
		return s.storeReply(cmd.Name, err), nil
	}
	return ok(cmd.Name + " completed."), nil
}

// status runs STATUS (RFC 3501 §6.3.10). RECENT counts the messages no
// session has seen as \Recent yet (store.RecentClaimer).
func (s *session) status(ctx context.Context, cmd *wire.Command, args *wire.Parser) (reply, error) {
	name := cleanName(args.Mailbox())
	items := args.StatusItems()
	if args.End(); args.Err() != nil {
		return argReply(cmd.Name, args.Err()), nil
	}
	for _, it := range items {
		if it == wire.StatusItemSize && !s.advertises("STATUS=SIZE") {
			return bad(textArgError), nil
		}
	}
	f, err := s.st.Folder(ctx, s.acct, name)
	if err != nil {
		return s.storeReply("STATUS", err), nil
	}
	out, err := s.statusValues(ctx, &f, items)
	if err != nil {
		return s.storeReply("STATUS", err), nil
	}
	s.c.WriteString("* STATUS " + mailboxName(f.Name) + " (" + out + ")\r\n")
	return ok("STATUS completed."), nil
}

func isExists(err error) bool { return errors.Is(err, store.ErrExists) }
