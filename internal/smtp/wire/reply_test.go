package wire

import (
	"bufio"
	"reflect"
	"strings"
	"testing"
)

func TestAppendReply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Reply
		want string
	}{
		{Reply{CodeServiceReady, StatusNone, []string{"mx LMTP service ready"}}, "220 mx LMTP service ready\r\n"},
		{Reply{CodeOK, StatusNone, []string{"mx", "PIPELINING", "SIZE 10"}}, "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n"},
		{Reply{CodeOK, StatusAddressOther, []string{"Ok"}}, "250 2.1.0 Ok\r\n"},
		{Reply{CodeLocalError, StatusSystemOther, []string{"a", "b"}}, "451-4.3.0 a\r\n451 4.3.0 b\r\n"},
		{Reply{CodeMailboxUnavail, StatusBadMailbox, nil}, "550 5.1.1\r\n"},
		{Reply{CodeStartData, StatusNone, []string{"Go\r\nahead\x00"}}, "354 Go??ahead?\r\n"},
	}
	for _, tt := range tests {
		if got := string(AppendReply(nil, tt.r)); got != tt.want {
			t.Errorf("AppendReply(%+v) = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestReadReply(t *testing.T) {
	t.Parallel()
	in := "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n" +
		"550 5.1.1 <a@b> User unknown\r\n" +
		"250 4.1.1 class mismatch kept\r\n" +
		"221\r\n" +
		"250-a\r\n251 b\r\n"
	r := bufio.NewReader(strings.NewReader(in))
	want := []Reply{
		{CodeOK, StatusNone, []string{"mx", "PIPELINING", "SIZE 10"}},
		{CodeMailboxUnavail, StatusBadMailbox, []string{"<a@b> User unknown"}},
		{CodeOK, StatusNone, []string{"4.1.1 class mismatch kept"}},
		{CodeClosing, StatusNone, []string{""}},
	}
	for i, w := range want {
		got, err := ReadReply(r, 512)
		if err != nil || !reflect.DeepEqual(got, w) {
			t.Fatalf("reply %d = %+v, %v; want %+v", i, got, err, w)
		}
	}
	if _, err := ReadReply(r, 512); err == nil {
		t.Error("mixed codes in one reply accepted")
	}
	if got := (Reply{CodeMailboxUnavail, StatusBadMailbox, []string{"x", "User unknown"}}).String(); got != "550 5.1.1 User unknown" {
		t.Errorf("String = %q", got)
	}
}
