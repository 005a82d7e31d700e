package wire

// section reads "[" [section-spec] "]" (RFC 3501 §9):
//
//	section-spec    = section-msgtext / (section-part ["." section-text])
//	section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
//	section-part    = nz-number *("." nz-number)
//	section-text    = section-msgtext / "MIME"
func (p *Parser) section() Section {
	var s Section
	if p.err != nil || p.pos == len(p.s) || p.s[p.pos] != '[' {
		p.fail("Invalid section")
		return s
	}
	p.pos++
	wantText := false
	for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
		n, ok := p.scanUint32()
		if !ok || n == 0 || len(s.Part) >= p.cmd.maxArgs {
			p.fail("Invalid section")
			return s
		}
		s.Part = append(s.Part, n)
		wantText = p.pos < len(p.s) && p.s[p.pos] == '.'
		if !wantText {
			break
		}
		p.pos++
	}
	spec := SectionSpec(upperASCII(p.run(func(c byte) bool { return isLetter(c) || c == '.' })))
	switch spec {
	case SectionAll:
		if wantText {
			p.fail("Invalid section")
		}
	case SectionHeader, SectionText:
	case SectionHeaderFields, SectionHeaderFieldsNot:
		s.Fields = p.headerList()
	case SectionMIME:
		if len(s.Part) == 0 {
			p.fail("Invalid section")
		}
	default:
		p.fail("Invalid section")
	}
	s.Spec = spec
	if p.err == nil && (p.pos == len(p.s) || p.s[p.pos] != ']') {
		p.fail("Invalid section")
	}
	p.pos++
	return s
}

// headerList reads SP "(" header-fld-name *(SP header-fld-name) ")", where
// a name is an astring made of field-name characters.
func (p *Parser) headerList() []string {
	fields := []string{}
	p.sep = true
	p.listBody("header list", 1, func() {
		f := p.AString()
		if p.err == nil && !validFieldName(f) {
			p.fail("Invalid header field name")
		}
		fields = append(fields, f)
	})
	return fields
}

func validFieldName(f string) bool {
	for i := 0; i < len(f); i++ {
		if !isFieldChar(f[i]) {
			return false
		}
	}
	return f != ""
}

// partial reads an optional "<" number "." nz-number ">".
func (p *Parser) partial() *Partial {
	if p.err != nil || p.pos == len(p.s) || p.s[p.pos] != '<' {
		return nil
	}
	p.pos++
	off, ok1 := p.scanUint32()
	ok2 := ok1 && p.pos < len(p.s) && p.s[p.pos] == '.'
	if ok2 {
		p.pos++
	}
	cnt, ok3 := p.scanUint32()
	if !ok2 || !ok3 || cnt == 0 || p.pos == len(p.s) || p.s[p.pos] != '>' {
		p.fail("Invalid partial")
		return nil
	}
	p.pos++
	return &Partial{Offset: off, Count: cnt}
}
