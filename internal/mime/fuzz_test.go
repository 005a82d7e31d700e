package mime

import (
	"bytes"
	"io"
	"path/filepath"
	"reflect"
	"testing"
	"testing/iotest"
)

func FuzzParse(f *testing.F) {
	for _, name := range corpus(f) {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: message/rfc822\n\n--a--"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		p, err := Parse(bytes.NewReader(msg), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkParsed(t, msg, p)
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q Part
		if err := q.UnmarshalBinary(b); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		if !reflect.DeepEqual(p, &q) {
			t.Fatalf("round trip differs")
		}
		one, err := Parse(iotest.OneByteReader(bytes.NewReader(msg)), Options{})
		if err != nil || !reflect.DeepEqual(p, one) {
			t.Fatalf("one-byte parse differs")
		}
		// Tight limits still give a valid tree.
		small, err := Parse(bytes.NewReader(msg), Options{MaxDepth: 2, MaxParts: 3, MaxHeaderBytes: 40, MaxTotalHeaderBytes: 60})
		if err != nil {
			t.Fatal(err)
		}
		checkParsed(t, msg, small)
	})
}

// checkParsed checks offsets, the IMAP syntax of the renderings and that
// the helpers run on every part.
func checkParsed(t *testing.T, msg []byte, p *Part) {
	t.Helper()
	if err := checkInvariants(p, int64(len(msg))); err != nil {
		t.Fatal(err)
	}
	if err := checkBodySyntax(AppendBodyStructure(nil, p), true); err != nil {
		t.Fatalf("BODYSTRUCTURE: %v\n%s", err, AppendBodyStructure(nil, p))
	}
	if err := checkBodySyntax(AppendBody(nil, p), false); err != nil {
		t.Fatalf("BODY: %v\n%s", err, AppendBody(nil, p))
	}
	env, err := parseSexp(AppendEnvelope(nil, p.Envelope))
	if err == nil {
		err = checkEnvelope(env)
	}
	if err != nil {
		t.Fatalf("ENVELOPE: %v", err)
	}
	r := bytes.NewReader(msg)
	p.Walk(func(sec []int, q *Part) bool {
		if got, ok := p.Find(sec); !ok || got != q {
			t.Fatalf("Find(%v) disagrees with Walk", sec)
		}
		if _, err := HeaderFields(r, q, []string{"subject", "content-type"}, false); err != nil {
			t.Fatal(err)
		}
		return true
	})
	if _, err := io.Copy(io.Discard, TextReader(r, p)); err != nil {
		t.Fatal(err)
	}
}

func FuzzAddressList(f *testing.F) {
	for _, s := range []string{
		`"Joe Q. Public" <john.q.public@example.com>, Mary Smith <mary@x.test>, jdoe@example.org`,
		"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
		"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
		"<@r1.test,@r2.test:user@host.test>", "undisclosed-recipients:;", `"unclosed <a@b`, "a@b@c, (x", "=?utf-8?q?x?= <a@b>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := ParseAddressList(s)
		inGroup := false
		for _, a := range l {
			switch a.Kind {
			case AddrGroupStart:
				if inGroup {
					t.Fatal("nested group")
				}
				inGroup = true
			case AddrGroupEnd:
				if !inGroup {
					t.Fatal("group end outside a group")
				}
				inGroup = false
			}
		}
		if inGroup {
			t.Fatal("group not closed")
		}
		n, err := parseSexp(appendAddresses(nil, l))
		if err == nil {
			err = checkAddresses(n)
		}
		if err != nil {
			t.Fatalf("%v: %s", err, appendAddresses(nil, l))
		}
	})
}

// FuzzUnmarshal feeds corrupt cache entries: UnmarshalBinary must fail
// cleanly or return a tree that is safe to render and navigate.
func FuzzUnmarshal(f *testing.F) {
	for _, name := range corpus(f) {
		p, err := Parse(bytes.NewReader(readTestdata(f, name)), Options{})
		if err != nil {
			f.Fatal(err)
		}
		b, _ := p.MarshalBinary()
		f.Add(b)
	}
	f.Add(readHex(f, filepath.Join("testdata", "rfc822-nested.v1.hex"))) // as earlier builds stored it
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Part
		if p.UnmarshalBinary(data) != nil {
			return
		}
		if err := checkPart(&p, 0, p.BodyEnd, 0); err != nil {
			t.Fatal(err)
		}
		if err := checkBodySyntax(AppendBodyStructure(nil, &p), true); err != nil {
			t.Fatal(err)
		}
		p.Walk(func(sec []int, q *Part) bool {
			if got, ok := p.Find(sec); !ok || got != q {
				t.Fatalf("Find(%v) disagrees with Walk", sec)
			}
			return true
		})
	})
}
