package caps

import "testing"

func TestList(t *testing.T) {
	t.Parallel()
	exch := "IMAP4 IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+"
	if got := String(Options{Login: []string{"AUTH=PLAIN"}, ExchangeOnly: true}); got != exch {
		t.Errorf("Exchange only: %q", got)
	}
	all := String(Options{Login: []string{"AUTH=PLAIN"}})
	if want := exch + " LIST-EXTENDED LIST-STATUS SPECIAL-USE CREATE-SPECIAL-USE STATUS=SIZE ENABLE CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES APPENDLIMIT=37748736"; all != want {
		t.Errorf("default: %q", all)
	}
	if got := String(Options{Login: []string{"LOGINDISABLED", "STARTTLS"}, ExchangeOnly: true}); got != "IMAP4 IMAP4rev1 LOGINDISABLED STARTTLS SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+" {
		t.Errorf("pre-login: %q", got)
	}
	if !Has(Options{}, "list-status") || Has(Options{ExchangeOnly: true}, "SPECIAL-USE") {
		t.Error("Has")
	}
}
