package mime

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

func TestTextReader(t *testing.T) {
	t.Parallel()
	msg := crlf(`Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Caf=E9 =3D soft=
 break=ZZ end=
--b
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

PGI+aGk8
L2I+
--b
Content-Type: image/png
Content-Transfer-Encoding: base64

AAAA
--b
Content-Type: message/rfc822

Subject: inner
Content-Type: text/plain
Content-Transfer-Encoding: base64

aW5u!!ZXI=x
more
--b--
`)
	root := mustParse(t, msg)
	got, err := io.ReadAll(TextReader(bytes.NewReader(msg), root))
	if err != nil {
		t.Fatal(err)
	}
	want := "Café = soft break=ZZ end\n<b>hi</b>\ninner\n"
	if string(got) != want {
		t.Errorf("TextReader = %q, want %q", got, want)
	}
	// Small reads give the same text.
	got, err = io.ReadAll(iotest.OneByteReader(TextReader(bytes.NewReader(msg), root)))
	if err == nil && string(got) != want {
		t.Errorf("one-byte TextReader = %q", got)
	}
	// Read errors come through.
	if _, err := io.ReadAll(TextReader(errReaderAt{}, root)); err == nil {
		t.Error("read error swallowed")
	}
}
