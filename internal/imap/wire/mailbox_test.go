package wire

import (
	"strings"
	"testing"
)

func TestMailboxNameCodec(t *testing.T) {
	t.Parallel()
	pairs := map[string]string{
		"":                       "",
		"INBOX":                  "INBOX",
		"~peter/mail/台北/日本語":     "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		"Tom & Jerry":            "Tom &- Jerry",
		"&":                      "&-",
		"Entwürfe":               "Entw&APw-rfe",
		"Gelöschte Elemente":     "Gel&APY-schte Elemente",
		"😀":                      "&2D3eAA-",
		"a\tb":                   "a&AAk-b",
		"\x7f":                   "&AH8-",
		"Éé":                     "&AMkA6Q-",
		"Отправленные":           "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-",
		"x/&/y":                  "x/&-/y",
		"Sent Items/2024 Q1 (a)": "Sent Items/2024 Q1 (a)",
	}
	for dec, enc := range pairs {
		if got := EncodeMailboxName(dec); got != enc {
			t.Errorf("Encode(%q) = %q, want %q", dec, got, enc)
		}
		if got, err := DecodeMailboxName(enc); err != nil || got != dec {
			t.Errorf("Decode(%q) = %q, %v", enc, got, err)
		}
	}
	if got := EncodeMailboxName("a\xffb"); got != EncodeMailboxName("a\uFFFDb") {
		t.Errorf("invalid UTF-8: %q", got)
	}
	bad := []string{
		"&", "&U,BTFw", "a&Jjo!-", "&AGE-", "&AAk", "\x00", "a\x80", "é", "&2D0-", "&3gA-", "&2D3YPQ-",
		"&A-", "&AP-", "&AP1-", "&AGEAYgBj-", "tab\there",
	}
	for _, s := range bad {
		if got, err := DecodeMailboxName(s); err == nil {
			t.Errorf("Decode(%q) = %q accepted", s, got)
		}
	}
	// Adjacent shift sequences are tolerated (RFC 3501 does not forbid them).
	if got, err := DecodeMailboxName("&APw-&APw-"); err != nil || got != "üü" {
		t.Errorf("adjacent: %q %v", got, err)
	}
	long := strings.Repeat("日本", 500)
	if got, err := DecodeMailboxName(EncodeMailboxName(long)); err != nil || got != long {
		t.Error("long round trip")
	}
}
