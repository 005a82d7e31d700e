package imap_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/postern/postern/internal/testkit"
)

// dialGoIMAP logs on with go-imap v2's client, a full IMAP4rev1/rev2
// client that other servers are tested with.
func dialGoIMAP(t *testing.T, s *testkit.Server, h *imapclient.UnilateralDataHandler) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialTLS(s.IMAPS, &imapclient.Options{TLSConfig: s.ClientTLS("localhost"), UnilateralDataHandler: h})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("alice@mail.test", "secret1").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGoIMAPIdle: a client in IDLE sees a delivery as it happens (the
// issue's bound is under one second).
func TestGoIMAPIdle(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 1)
	exists := make(chan uint32, 4)
	c := dialGoIMAP(t, s, &imapclient.UnilateralDataHandler{
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		},
	})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Deliver(message(2), "alice@mail.test")
	select {
	case n := <-exists:
		if n != 2 {
			t.Errorf("EXISTS %d, want 2", n)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("EXISTS after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestGoIMAPUIDPlusMove: APPENDUID, COPYUID on MOVE, UID EXPUNGE.
func TestGoIMAPUIDPlusMove(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	c := dialGoIMAP(t, s, nil)
	msg := []byte("Subject: appended\r\n\r\nbody\r\n")
	app := c.Append("INBOX", int64(len(msg)), &goimap.AppendOptions{Flags: []goimap.Flag{goimap.FlagSeen}})
	app.Write(msg)
	app.Close()
	ad, err := app.Wait()
	if err != nil || ad.UID != 3 || ad.UIDValidity == 0 {
		t.Fatalf("APPENDUID: %+v %v", ad, err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	md, err := c.Move(goimap.UIDSetNum(1, 3), "Deleted Items").Wait()
	if err != nil {
		t.Fatal(err)
	}
	if md.SourceUIDs.String() != "1,3" || md.DestUIDs.String() != "1:2" || md.UIDValidity == 0 {
		t.Errorf("MOVE COPYUID: %+v (src %v dst %v)", md, md.SourceUIDs, md.DestUIDs)
	}
	if err := c.Store(goimap.UIDSetNum(2), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagDeleted}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.UIDExpunge(goimap.UIDSetNum(2)).Close(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status("INBOX", &goimap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 0 {
		t.Fatalf("STATUS after MOVE and UID EXPUNGE: %+v %v", st, err)
	}
	st, err = c.Status("Deleted Items", &goimap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *st.NumMessages != 2 {
		t.Fatalf("STATUS Deleted Items: %+v %v", st, err)
	}
}

// TestGoIMAPSpecialUseListStatus: go-imap v2's client sees the
// capabilities, creates Archive with USE (\Archive), finds the special-use
// folders with LIST (SPECIAL-USE) ... RETURN (SPECIAL-USE), and reads
// LIST-STATUS with SIZE; a USE the name does not give fails with USEATTR.
func TestGoIMAPSpecialUseListStatus(t *testing.T) {
	t.Parallel()
	s := setup(t, testkit.Options{}, 2)
	c := dialGoIMAP(t, s, nil)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []goimap.Cap{goimap.CapListExtended, goimap.CapListStatus, goimap.CapSpecialUse, goimap.CapCreateSpecialUse, goimap.CapStatusSize} {
		if !caps.Has(want) {
			t.Errorf("CAPABILITY lacks %s", want)
		}
	}
	if err := c.Create("Archive", &goimap.CreateOptions{SpecialUse: []goimap.MailboxAttr{goimap.MailboxAttrArchive}}).Wait(); err != nil {
		t.Fatalf("CREATE Archive (USE (\\Archive)): %v", err)
	}
	err = c.Create("Keep", &goimap.CreateOptions{SpecialUse: []goimap.MailboxAttr{goimap.MailboxAttrArchive}}).Wait()
	var ierr *goimap.Error
	if !errors.As(err, &ierr) || ierr.Code != "USEATTR" {
		t.Errorf("CREATE Keep (USE (\\Archive)): %v", err)
	}
	list, err := c.List("", "*", &goimap.ListOptions{SelectSpecialUse: true, ReturnSpecialUse: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]goimap.MailboxAttr{}
	for _, m := range list {
		for _, a := range m.Attrs {
			switch a {
			case goimap.MailboxAttrArchive, goimap.MailboxAttrDrafts, goimap.MailboxAttrSent, goimap.MailboxAttrTrash, goimap.MailboxAttrJunk:
				got[m.Mailbox] = a
			}
		}
	}
	want := map[string]goimap.MailboxAttr{"Archive": goimap.MailboxAttrArchive, "Drafts": goimap.MailboxAttrDrafts,
		"Sent Items": goimap.MailboxAttrSent, "Deleted Items": goimap.MailboxAttrTrash, "Junk Email": goimap.MailboxAttrJunk}
	if len(list) != len(want) || !reflect.DeepEqual(got, want) {
		t.Errorf("special-use folders: %d listed, %v", len(list), got)
	}
	list, err = c.List("", "*", &goimap.ListOptions{ReturnStatus: &goimap.StatusOptions{NumMessages: true, NumUnseen: true, UIDNext: true, Size: true}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 6 { // INBOX, the four default folders, Archive
		t.Errorf("%d folders", len(list))
	}
	for _, m := range list {
		if m.Status == nil || m.Status.NumMessages == nil || m.Status.Size == nil || m.Status.NumUnseen == nil {
			t.Fatalf("%s: no STATUS: %+v", m.Mailbox, m.Status)
		}
		msgs, size := *m.Status.NumMessages, *m.Status.Size
		if m.Mailbox == "INBOX" {
			if msgs != 2 || *m.Status.NumUnseen != 2 || m.Status.UIDNext != 3 || size < int64(len(message(1))+len(message(2))) {
				t.Errorf("INBOX: %d messages, %d unseen, UIDNEXT %d, size %d", msgs, *m.Status.NumUnseen, m.Status.UIDNext, size)
			}
		} else if msgs != 0 || size != 0 {
			t.Errorf("%s: %d messages, size %d", m.Mailbox, msgs, size)
		}
	}
	st, err := c.Status("INBOX", &goimap.StatusOptions{Size: true}).Wait()
	if err != nil || st.Size == nil || *st.Size < int64(len(message(1))+len(message(2))) {
		t.Errorf("STATUS INBOX (SIZE): %+v, %v", st, err)
	}
}
