package wire

import (
	"bufio"
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// exercise runs every argument helper over cmd; each must end in a value
// or a non-fatal BAD carrying the command's tag, and never panic.
func exercise(t *testing.T, cmd *Command) {
	helpers := []func(p *Parser){
		func(p *Parser) { p.Atom(); p.AString() },
		func(p *Parser) { p.StringArg(); p.NString() },
		func(p *Parser) { p.Number(); p.NzNumber() },
		func(p *Parser) { p.Mailbox(); p.ListMailbox() },
		func(p *Parser) { p.Mailbox(); p.StatusItems() },
		func(p *Parser) { p.SeqSet(); p.FetchItems() },
		func(p *Parser) { p.SeqSet(); p.StoreFlags() },
		func(p *Parser) { p.SearchCharset(); p.SearchKeys() },
		func(p *Parser) { p.Mailbox(); p.FlagList(); p.DateTime() },
		func(p *Parser) { p.Date(); p.IDParams() },
		func(p *Parser) { p.Atom(); p.InitialResponse() },
		func(p *Parser) { p.Flag(); p.Peek(); p.More() },
		func(p *Parser) { p.ListArgs() },
		func(p *Parser) { p.Mailbox(); p.CreateParams() },
		func(p *Parser) { p.Mailbox(); p.SelectParams() },
		func(p *Parser) { p.SeqSet(); p.FetchItems(); p.FetchModifiers() },
		func(p *Parser) { p.SeqSet(); p.StoreModifiers(); p.StoreFlags() },
		func(p *Parser) { p.Capabilities() },
		func(p *Parser) { p.ModSeq(true) },
	}
	for _, h := range helpers {
		p := NewParser(cmd)
		h(p)
		p.End()
		if err := p.Err(); err != nil {
			ce := cmdErr(t, err)
			badName := ce.Status == StatusNO && errors.Is(ce.Err, ErrMailboxName)
			if ce.Tag != cmd.Tag || ce.Status != StatusBAD && !badName || ce.Fatal {
				t.Fatalf("parser error %+v", ce)
			}
		}
	}
}

func FuzzReadCommand(f *testing.F) {
	seeds := []string{
		sessionBytes(),
		"a NOOP\r\n", "a LOGIN {5}\r\nalice {6+}\r\nsecret\r\n", "a APPEND INBOX {3+}\r\nabc\r\n",
		"a APPEND INBOX (\\Seen) \"01-Feb-1994 21:35:11 +0000\" {3}\r\nabc\r\n", "a APPEND {1}\r\nx {2}\r\nyz junk\r\n",
		"a UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.10>)\r\n", "a SEARCH CHARSET UTF-8 OR (FROM x) NOT {1+}\r\ny\r\n",
		"a STORE 1 +FLAGS.SILENT (\\Seen)\r\n", "a ID (\"name\" NIL)\r\n", "a LOGIN {99999999999999+}\r\n", "\r\n\n",
		"a X {0}\r\n\r\n", "a X {5+}\r\n{3+}\r\n\r\n", "a X {2+}\r\n\r\n\r\n",
		"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX {1+}\r\n%) RETURN (STATUS (SIZE))\r\n", "a CREATE x (USE (\\Archive))\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		opts := testOpts()
		var c1, c2 int
		whole := transcript(newDec(bytes.NewReader(in), opts, &c1), 64)
		one := transcript(newDec(iotest.OneByteReader(bytes.NewReader(in)), opts, &c2), 1)
		if !reflect.DeepEqual(whole, one) || c1 != c2 {
			t.Fatalf("whole %+v\none byte %+v", whole, one)
		}
		if len(whole) > len(in)+1 {
			t.Fatalf("%d results from %d octets", len(whole), len(in))
		}
		if last := whole[len(whole)-1]; last.err == "" {
			t.Fatal("transcript did not end in an error")
		}
		// Bounded memory, and every command's arguments are parseable
		// without panics.
		d := newDec(bytes.NewReader(in), opts, nil)
		for {
			cmd, err := d.ReadCommand()
			if err != nil {
				if IsFatal(err) {
					return
				}
				continue
			}
			var total int
			for _, l := range cmd.lits {
				total += len(l.data)
			}
			if len(cmd.args) > opts.MaxLine || total > int(opts.MaxLiteral) || len(cmd.lits) > opts.MaxArgs || cmd.Name == "" || cmd.Tag == "" {
				t.Fatalf("command out of bounds: %+v", cmd)
			}
			exercise(t, cmd)
			if err := d.FinishCommand(); IsFatal(err) {
				return
			}
		}
	})
}

// searchCommand reads "a SEARCH <s>" and parses it.
func searchCommand(s string) (string, SearchKey, error) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("a SEARCH "+s+"\r\n")), DecoderOptions{MaxDepth: 6})
	cmd, err := d.ReadCommand()
	if err != nil {
		return "", SearchKey{}, err
	}
	p := NewParser(cmd)
	cs := p.SearchCharset()
	k := p.SearchKeys()
	p.End()
	return cs, k, p.Err()
}

func FuzzSearchKeys(f *testing.F) {
	for _, s := range []string{
		"ALL", "CHARSET UTF-8 SUBJECT {2+}\r\n\xc3\xa9", "OR (FROM a TO b) NOT (SEEN UID 1:*,5)",
		"HEADER Message-ID \"<x@y>\" SINCE 1-Feb-1994 LARGER 100", "((((ALL))))", "NOT NOT NOT DELETED",
		"KEYWORD $x UNKEYWORD y SENTON \"2-Mar-2020\" 2:4", "SUBJECT \"a\\\"b\"",
		"MODSEQ 0", "MODSEQ \"/flags/\\\\draft\" all 620162338", "OR MODSEQ 9223372036854775807 NOT MODSEQ \"/flags/$x\" PRIV 1",
		"KEYWORD $x UNKEYWORD y SENTON \"2-Mar-2020\" 2:4", "SUBJECT \"a\\\"b\"", "OR $ UID $", "NOT ($ SEEN)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, k, err := searchCommand(s)
		if err != nil {
			return
		}
		prefix := ""
		if cs != "" {
			prefix = "CHARSET " + stringText(cs) + " "
		}
		cs2, k2, err := searchCommand(prefix + k.String())
		if err != nil || cs2 != cs || !reflect.DeepEqual(k, k2) {
			t.Fatalf("%q -> %q -> %+v, %v", s, k.String(), k2, err)
		}
	})
}

// fetchCommand reads "a FETCH 1 <s>" and parses it.
func fetchCommand(s string) ([]FetchItem, error) {
	d := NewDecoder(bufio.NewReader(strings.NewReader("a FETCH 1 "+s+"\r\n")), DecoderOptions{})
	cmd, err := d.ReadCommand()
	if err != nil {
		return nil, err
	}
	p := NewParser(cmd)
	p.SeqSet()
	items := p.FetchItems()
	p.End()
	return items, p.Err()
}

func FuzzFetchItems(f *testing.F) {
	for _, s := range []string{
		"ALL", "FAST", "FULL", "(FLAGS UID)", "BODY.PEEK[1.2.HEADER.FIELDS.NOT (X-A \"B\")]<0.10>", "BODY[]", "BODY[3.MIME]",
		"(ENVELOPE RFC822.SIZE BODYSTRUCTURE INTERNALDATE RFC822.HEADER)", "BODY[HEADER.FIELDS ({4}\r\nFrom)]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		items, err := fetchCommand(s)
		if err != nil {
			return
		}
		names := make([]string, len(items))
		for i, it := range items {
			names[i] = it.String()
			if it.ResponseName() == "" || strings.Contains(it.ResponseName(), "PEEK") {
				t.Fatalf("response name %q", it.ResponseName())
			}
		}
		again, err := fetchCommand("(" + strings.Join(names, " ") + ")")
		if err != nil || !reflect.DeepEqual(items, again) {
			t.Fatalf("%q -> %q -> %+v, %v", s, names, again, err)
		}
	})
}

func FuzzSequenceSet(f *testing.F) {
	for _, s := range []string{"1", "*", "1:*,3,5:7", "4:2", "1:4294967295", "559:*", "2,2,1:3"} {
		f.Add(s, uint32(10))
	}
	f.Fuzz(func(t *testing.T, s string, max uint32) {
		set, err := ParseSeqSet(s)
		if err != nil {
			return
		}
		again, err := ParseSeqSet(set.String())
		if err != nil || !reflect.DeepEqual(set, again) {
			t.Fatalf("%q -> %q -> %v, %v", s, set.String(), again, err)
		}
		ranges := set.Resolve(max)
		for i, r := range ranges {
			if r.Start == 0 || r.Start > r.Stop || i > 0 && uint64(r.Start) <= uint64(ranges[i-1].Stop)+1 {
				t.Fatalf("Resolve(%q, %d) = %v", s, max, ranges)
			}
		}
		// Contains agrees with Resolve at every boundary.
		for _, r := range set {
			for _, n := range []uint32{r.Start - 1, r.Start, r.Start + 1, r.Stop - 1, r.Stop, r.Stop + 1, max, max + 1, 1} {
				in := false
				for _, rr := range ranges {
					in = in || n >= rr.Start && n <= rr.Stop
				}
				if set.Contains(n, max) != in {
					t.Fatalf("Contains(%d, %d) of %q disagrees with %v", n, max, s, ranges)
				}
			}
		}
	})
}

func FuzzMailboxName(f *testing.F) {
	for _, s := range []string{"INBOX", "台北/日本語", "Tom & Jerry", "&U,BTFw-", "😀\x00\xff", "&-&AGE-", "a&Jjo-b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := EncodeMailboxName(s)
		for i := 0; i < len(enc); i++ {
			if enc[i] < 0x20 || enc[i] > 0x7e {
				t.Fatalf("Encode(%q) = %q: not printable", s, enc)
			}
		}
		dec, err := DecodeMailboxName(enc)
		if want := string([]rune(s)); err != nil || dec != want {
			t.Fatalf("Encode(%q) = %q, decoded %q, %v", s, enc, dec, err)
		}
		// Decoding arbitrary input: what decodes re-encodes to something
		// that decodes the same.
		if d, err := DecodeMailboxName(s); err == nil {
			if d2, err := DecodeMailboxName(EncodeMailboxName(d)); err != nil || d2 != d {
				t.Fatalf("%q decoded %q, re-encoded %q", s, d, d2)
			}
		}
	})
}
