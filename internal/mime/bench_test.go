package mime

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// benchMessage builds a ~50 KB multipart/mixed message: text, HTML in an
// alternative, an encapsulated message and a base64 attachment.
func benchMessage() []byte {
	var b strings.Builder
	b.WriteString("Received: from mx.example.org by mail.test; Mon, 7 Jul 2025 10:00:00 +0000\r\n" +
		"From: \"Doe, John\" <john@example.com>\r\nTo: a@example.com, B <b@example.com>\r\n" +
		"Subject: =?utf-8?q?Benchmark_message?=\r\nDate: Mon, 7 Jul 2025 09:59:58 +0200\r\n" +
		"Message-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"=_outer\"\r\n\r\n" +
		"--=_outer\r\nContent-Type: multipart/alternative; boundary=\"=_alt\"\r\n\r\n--=_alt\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n")
	for i := 0; i < 150; i++ {
		b.WriteString("The quick brown fox jumps over the lazy dog, again and again.\r\n")
	}
	b.WriteString("--=_alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	for i := 0; i < 150; i++ {
		b.WriteString("<p style=3D\"margin:0\">The quick brown fox jumps over the lazy dog.</p>=\r\n")
	}
	b.WriteString("\r\n--=_alt--\r\n--=_outer\r\nContent-Type: message/rfc822\r\n\r\n" +
		"From: x@example.com\r\nSubject: inner\r\n\r\ninner body\r\n" +
		"--=_outer\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n" +
		"Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0, 1, 2, 3, 250, 251, 252}, 3300))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--=_outer--\r\n")
	return []byte(b.String())
}

func BenchmarkParse(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(msg), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	p, err := Parse(bytes.NewReader(benchMessage()), Options{})
	if err != nil {
		b.Fatal(err)
	}
	data, _ := p.MarshalBinary()
	b.ReportAllocs()
	for b.Loop() {
		var q Part
		if err := q.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchMessage(t *testing.T) {
	t.Parallel()
	msg := benchMessage()
	if n := len(msg); n < 45000 || n > 55000 {
		t.Errorf("bench message is %d bytes, want ~50 KB", n)
	}
	p := mustParse(t, msg)
	checkParsed(t, msg, p)
	data, _ := p.MarshalBinary()
	t.Logf("bench message %d bytes, cache entry %d bytes", len(msg), len(data))
	if len(p.Children) != 3 || len(p.Children[0].Children) != 2 {
		t.Errorf("unexpected structure: %s", AppendBody(nil, p))
	}
}
