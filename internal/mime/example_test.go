package mime_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/postern/postern/internal/mime"
)

func Example() {
	raw := []byte(strings.ReplaceAll(`From: Alice <alice@example.org>
Subject: Hi
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8

Hello!
--b
Content-Type: application/octet-stream; name=a.bin
Content-Transfer-Encoding: base64

AAEC
--b--
`, "\n", "\r\n"))

	// At delivery: parse once, store the serialised tree.
	root, err := mime.Parse(bytes.NewReader(raw), mime.Options{})
	if err != nil {
		panic(err)
	}
	cached, _ := root.MarshalBinary()

	// At FETCH: decode the cache, answer from it and the raw bytes.
	var p mime.Part
	if err := p.UnmarshalBinary(cached); err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", mime.AppendBodyStructure(nil, &p))
	fmt.Printf("%s\n", mime.AppendEnvelope(nil, p.Envelope))
	part, _ := p.Find([]int{1})
	fmt.Printf("BODY[1] %q\n", raw[part.BodyStart():part.BodyEnd])
	// Output:
	// (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 6 1 NIL NIL NIL NIL)("APPLICATION" "OCTET-STREAM" ("NAME" "a.bin") NIL NIL "BASE64" 4 NIL NIL NIL NIL) "MIXED" ("BOUNDARY" "b") NIL NIL NIL)
	// (NIL "Hi" (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" "example.org")) NIL NIL NIL NIL NIL)
	// BODY[1] "Hello!"
}
