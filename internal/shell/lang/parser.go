package lang

// The grammar, a subset of PowerShell's (about_Parsing, about_Hash_Tables):
//
//	script     = { sep } [ statement { sep { sep } statement } ] { sep }
//	sep        = ";" | newline
//	statement  = [ variable "=" ] pipeline
//	pipeline   = stage { "|" { newline } command }
//	stage      = command | expression
//	command    = name { parameter [ argument ] | argument }      (argument mode)
//	parameter  = "-" name [ ":" argument ]
//	argument   = primary { "," { newline } primary }
//	expression = primary { "," { newline } primary }            (expression mode)
//	primary    = string | number | variable | "(" pipeline ")"
//	           | "$(" statements ")" | "@(" statements ")" | hash
//	           | "[" type "]" "::" name "(" [ primary { "," primary } ] ")"
//	hash       = "@{" { sep } [ entry { sep { sep } entry } ] { sep } "}"
//	entry      = key "=" { newline } pipeline
//
// Nesting of parentheses, sub-expressions, hash tables and calls is
// limited to maxDepth, so that hostile input cannot exhaust the stack.

// maxDepth bounds the nesting of brackets.
const maxDepth = 32

// maxSource bounds the text Parse accepts.
const maxSource = 1 << 20

// Parse parses a script: one or more statements separated by ';' or line
// breaks.
func Parse(src string) (*Script, error) {
	if len(src) > maxSource {
		return nil, &ParseError{Source: src[:0], Msg: "The script is too long (more than 1 MiB)."}
	}
	p := &parser{lx: lexer{src: src}}
	sts, err := p.statements(tEOF)
	if err != nil {
		return nil, err
	}
	return &Script{Statements: sts}, nil
}

type parser struct {
	lx    lexer
	depth int

	// A one-token look-ahead, valid while the lexer is at lookAt and the
	// same mode is asked for.
	look     token
	lookErr  error
	lookOK   bool
	lookAt   int
	lookEnd  int
	lookMode mode
}

func (p *parser) peek(m mode) (token, error) {
	if p.lookOK && p.lookAt == p.lx.off && p.lookMode == m {
		return p.look, p.lookErr
	}
	at := p.lx.off
	tok, err := p.lx.next(m)
	p.look, p.lookErr, p.lookOK, p.lookAt, p.lookEnd, p.lookMode = tok, err, true, at, p.lx.off, m
	p.lx.off = at
	return tok, err
}

func (p *parser) next(m mode) (token, error) {
	tok, err := p.peek(m)
	if err == nil {
		p.lx.off = p.lookEnd
	}
	p.lookOK = false
	return tok, err
}

// fail reports an error at tok; at the end of input it is incomplete.
func (p *parser) fail(tok token, msg string) error {
	return &ParseError{Source: p.lx.src, Offset: int(tok.pos), Msg: msg, Incomplete: tok.kind == tEOF}
}

// unexpected reports a token that cannot appear where it is.
func (p *parser) unexpected(tok token) error {
	if tok.kind == tEOF || tok.kind == tNewline {
		return p.fail(tok, "Unexpected end of line.")
	}
	return p.fail(tok, "Unexpected token '"+p.lx.src[tok.pos:tok.end]+"' in expression or statement.")
}

func (p *parser) enter(tok token) error {
	p.depth++
	if p.depth > maxDepth {
		return p.fail(tok, "The input is nested too deeply (more than 32 levels of brackets).")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// skipNewlines skips line breaks where a construct may continue on the
// next line (after '|', ',', '=' and inside brackets).
func (p *parser) skipNewlines(m mode) error {
	for {
		tok, err := p.peek(m)
		if err != nil || tok.kind != tNewline {
			return err
		}
		p.next(m)
	}
}

// statements parses statements up to end (tEOF, or tRParen inside $( )
// and @( )), which it does not consume.
func (p *parser) statements(end tokKind) ([]*Statement, error) {
	var out []*Statement
	for {
		tok, err := p.peek(exprMode)
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tNewline, tSemi:
			p.next(exprMode)
			continue
		case end:
			return out, nil
		case tEOF:
			return nil, p.fail(tok, "Missing closing ')' in subexpression.")
		}
		st, err := p.statement()
		if err != nil {
			return nil, err
		}
		out = append(out, st)
		tok, err = p.peek(argMode)
		if err != nil {
			return nil, err
		}
		if tok.kind != tSemi && tok.kind != tNewline && tok.kind != end {
			return nil, p.unexpected(tok)
		}
	}
}

// statement parses [ $name = ] pipeline.
func (p *parser) statement() (*Statement, error) {
	tok, err := p.peek(exprMode)
	if err != nil {
		return nil, err
	}
	st := &Statement{Pos: tok.pos}
	if tok.kind == tVariable {
		save := p.lx.off
		p.next(exprMode)
		if eq, err := p.peek(exprMode); err == nil && eq.kind == tEquals {
			p.next(exprMode)
			if err := p.skipNewlines(exprMode); err != nil {
				return nil, err
			}
			st.Assign = tok.text
		} else {
			p.lx.off, p.lookOK = save, false
		}
	}
	st.Pipeline, err = p.pipeline()
	return st, err
}

// pipeline parses stage { "|" command }.
func (p *parser) pipeline() (*Pipeline, error) {
	first, err := p.stage(true)
	if err != nil {
		return nil, err
	}
	pl := &Pipeline{Pos: first.stagePos(), Stages: []Stage{first}}
	for {
		tok, err := p.peek(argMode)
		if err != nil {
			return nil, err
		}
		if tok.kind != tPipe {
			pl.End = tok.pos
			return pl, nil
		}
		p.next(argMode)
		if err := p.skipNewlines(exprMode); err != nil {
			return nil, err
		}
		st, err := p.stage(false)
		if err != nil {
			return nil, err
		}
		pl.Stages = append(pl.Stages, st)
	}
}

// stage parses a command, or an expression where one is allowed (the
// first stage).
func (p *parser) stage(first bool) (Stage, error) {
	tok, err := p.peek(exprMode)
	if err != nil {
		return nil, err
	}
	switch {
	case tok.kind == tString && tok.str.Quote == 0:
		return p.command()
	case tok.kind == tEOF || tok.kind == tNewline || tok.kind == tSemi || tok.kind == tPipe ||
		tok.kind == tRParen || tok.kind == tRBrace:
		return nil, p.fail(tok, "An empty pipe element is not allowed.")
	case !first:
		return nil, p.fail(tok, "Expressions are only allowed as the first element of a pipeline.")
	}
	e, err := p.expression()
	if err != nil {
		return nil, err
	}
	return &ExprStage{Expr: e}, nil
}

// command parses a command name and its elements, in argument mode.
func (p *parser) command() (*Command, error) {
	name, _ := p.next(exprMode)
	c := &Command{Pos: name.pos, End: name.end, Name: name.str.Literal()}
	for {
		tok, err := p.peek(argMode)
		if err != nil {
			return nil, err
		}
		switch tok.kind {
		case tSemi, tNewline, tPipe, tRParen, tRBrace, tEOF:
			return c, nil
		case tParam:
			p.next(argMode)
			c.End = tok.end
			el := &Element{Pos: tok.pos, Param: tok.text}
			if tok.colon {
				if v, err := p.peek(argMode); err == nil && endsCommand(v.kind) {
					return nil, p.fail(v, "Missing an argument for parameter '"+tok.text+"'.")
				}
				if el.Value, err = p.argument(); err != nil {
					return nil, err
				}
				el.Colon = true
			}
			c.Elems = append(c.Elems, el)
		default:
			v, err := p.argument()
			if err != nil {
				return nil, err
			}
			c.Elems = append(c.Elems, &Element{Pos: tok.pos, Value: v})
		}
		if c.End < Pos(p.lx.off) {
			c.End = Pos(p.lx.off)
		}
	}
}

// argument parses one argument in argument mode: a value or a comma list.
func (p *parser) argument() (Expr, error) {
	return p.commaList(argMode, p.argPrimary)
}

// expression parses a value or a comma list in expression mode.
func (p *parser) expression() (Expr, error) {
	return p.commaList(exprMode, p.exprPrimary)
}

func (p *parser) commaList(m mode, primary func() (Expr, error)) (Expr, error) {
	first, err := primary()
	if err != nil {
		return nil, err
	}
	arr := &ArrayLit{Pos: first.exprPos(), Elems: []Expr{first}}
	for {
		tok, err := p.peek(m)
		if err != nil {
			return nil, err
		}
		if tok.kind != tComma {
			break
		}
		p.next(m)
		if err := p.skipNewlines(m); err != nil {
			return nil, err
		}
		e, err := primary()
		if err != nil {
			return nil, err
		}
		arr.Elems = append(arr.Elems, e)
	}
	if len(arr.Elems) == 1 {
		return first, nil
	}
	return arr, nil
}

// argPrimary parses one value in argument mode.
func (p *parser) argPrimary() (Expr, error) {
	tok, err := p.peek(argMode)
	if err != nil {
		return nil, err
	}
	switch tok.kind {
	case tString, tNumber:
		p.next(argMode)
		return simpleExpr(tok), nil
	case tVariable:
		p.next(argMode)
		return p.members(simpleExpr(tok)), nil
	case tParam:
		return nil, p.fail(tok, "Missing argument in parameter list.")
	}
	e, err := p.bracketed(tok)
	if err != nil {
		return nil, err
	}
	return p.members(e), nil
}

// members parses property accesses right after a value: $c.UserName,
// (Get-PopSettings).Banner.
func (p *parser) members(e Expr) Expr {
	if _, ok := e.(*HashLit); ok {
		return e
	}
	for {
		name := p.lx.member()
		if name == "" {
			return e
		}
		p.lookOK = false
		e = &Member{Pos: e.exprPos(), Target: e, Name: name}
	}
}

// exprPrimary parses one value in expression mode.
func (p *parser) exprPrimary() (Expr, error) {
	tok, err := p.peek(exprMode)
	if err != nil {
		return nil, err
	}
	switch {
	case tok.kind == tString && tok.str.Quote != 0, tok.kind == tNumber:
		p.next(exprMode)
		return simpleExpr(tok), nil
	case tok.kind == tVariable:
		p.next(exprMode)
		return p.members(simpleExpr(tok)), nil
	case tok.kind == tType:
		return p.staticCall()
	}
	e, err := p.bracketed(tok)
	if err != nil {
		return nil, err
	}
	return p.members(e), nil
}

func endsCommand(k tokKind) bool {
	return k == tSemi || k == tNewline || k == tPipe || k == tRParen || k == tRBrace || k == tEOF
}

func simpleExpr(tok token) Expr {
	switch tok.kind {
	case tNumber:
		return &NumberLit{Pos: tok.pos, Text: tok.text, Value: tok.num}
	case tVariable:
		return &Variable{Pos: tok.pos, Name: tok.text}
	}
	tok.str.Pos = tok.pos
	return tok.str
}

// bracketed parses the values both modes share: ( ), $( ), @( ), @{ }.
func (p *parser) bracketed(tok token) (Expr, error) {
	switch tok.kind {
	case tLParen:
		return p.paren()
	case tDollarParen, tAtParen:
		return p.subExpr(tok)
	case tAtBrace:
		return p.hash()
	case tEOF, tNewline, tSemi, tPipe, tRParen, tRBrace:
		return nil, p.fail(tok, "Missing expression.")
	}
	return nil, p.unexpected(tok)
}

// paren parses ( pipeline ).
func (p *parser) paren() (Expr, error) {
	open, _ := p.next(exprMode)
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.skipNewlines(exprMode); err != nil {
		return nil, err
	}
	if tok, err := p.peek(exprMode); err == nil && tok.kind == tRParen {
		return nil, p.fail(tok, "An expression was expected after '('.")
	} else if err == nil && tok.kind == tEOF {
		return nil, p.fail(tok, "Missing closing ')' in expression.")
	}
	st, err := p.statement()
	if err != nil {
		return nil, err
	}
	if err := p.closeParen(); err != nil {
		return nil, err
	}
	return &SubExpr{Pos: open.pos, Kind: '(', Body: []*Statement{st}}, nil
}

func (p *parser) closeParen() error {
	if err := p.skipNewlines(argMode); err != nil {
		return err
	}
	tok, err := p.next(argMode)
	if err != nil {
		return err
	}
	if tok.kind == tEOF {
		return p.fail(tok, "Missing closing ')' in expression.")
	}
	if tok.kind != tRParen {
		return p.unexpected(tok)
	}
	return nil
}

// subExpr parses $( statements ) and @( statements ).
func (p *parser) subExpr(open token) (Expr, error) {
	p.next(exprMode)
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	body, err := p.statements(tRParen)
	if err != nil {
		return nil, err
	}
	p.next(exprMode)
	kind := byte('$')
	if open.kind == tAtParen {
		kind = '@'
	}
	return &SubExpr{Pos: open.pos, Kind: kind, Body: body}, nil
}

// hash parses @{ key = value; ... }.
func (p *parser) hash() (Expr, error) {
	open, _ := p.next(exprMode)
	if err := p.enter(open); err != nil {
		return nil, err
	}
	defer p.leave()
	h := &HashLit{Pos: open.pos}
	seen := map[string]bool{}
	for {
		tok, err := p.next(exprMode)
		if err != nil {
			return nil, err
		}
		switch {
		case tok.kind == tNewline || tok.kind == tSemi:
			continue
		case tok.kind == tRBrace:
			return h, nil
		case tok.kind == tEOF:
			return nil, p.fail(tok, "Missing closing '}' in hash literal.")
		case tok.kind != tString && tok.kind != tNumber:
			return nil, p.fail(tok, "Missing key before '=' in hash literal.")
		}
		key := tok.text
		if tok.kind == tString {
			key = tok.str.Literal()
		}
		if seen[lower(key)] {
			return nil, p.fail(tok, "Duplicate keys '"+key+"' are not allowed in hash literals.")
		}
		seen[lower(key)] = true
		v, err := p.hashValue()
		if err != nil {
			return nil, err
		}
		h.Entries = append(h.Entries, HashEntry{Key: key, Value: v})
	}
}

// hashValue parses "= pipeline" after a key; a pipeline that is one
// expression is kept as that expression.
func (p *parser) hashValue() (Expr, error) {
	eq, err := p.next(exprMode)
	if err != nil {
		return nil, err
	}
	if eq.kind != tEquals {
		return nil, p.fail(eq, "Missing '=' operator after key in hash literal.")
	}
	if err := p.skipNewlines(exprMode); err != nil {
		return nil, err
	}
	st, err := p.statement()
	if err != nil {
		return nil, err
	}
	tok, err := p.peek(argMode)
	if err != nil {
		return nil, err
	}
	if tok.kind != tSemi && tok.kind != tNewline && tok.kind != tRBrace {
		if tok.kind == tEOF {
			return nil, p.fail(tok, "Missing closing '}' in hash literal.")
		}
		return nil, p.unexpected(tok)
	}
	if es, ok := st.Pipeline.Stages[0].(*ExprStage); ok && st.Assign == "" && len(st.Pipeline.Stages) == 1 {
		return es.Expr, nil
	}
	return &SubExpr{Pos: st.Pos, Kind: '(', Body: []*Statement{st}}, nil
}

// staticCall parses [Type]::Method(args).
func (p *parser) staticCall() (Expr, error) {
	typ, _ := p.next(exprMode)
	if err := p.enter(typ); err != nil {
		return nil, err
	}
	defer p.leave()
	call := &StaticCall{Pos: typ.pos, Type: typ.text}
	if tok, err := p.next(exprMode); err != nil || tok.kind != tColonColon {
		if err != nil {
			return nil, err
		}
		return nil, p.fail(tok, "Type literals are supported only in static method calls: [Type]::Method(...).")
	}
	name, err := p.next(exprMode)
	if err != nil {
		return nil, err
	}
	if name.kind != tString || name.str.Quote != 0 || !isVarName(name.str.Literal()) {
		return nil, p.fail(name, "Missing method name after '::'.")
	}
	call.Method = name.str.Literal()
	if tok, err := p.next(exprMode); err != nil || tok.kind != tLParen {
		if err != nil {
			return nil, err
		}
		return nil, p.fail(tok, "Missing '(' after the method name: properties are not supported.")
	}
	return call, p.callArgs(call)
}

// callArgs parses a method's arguments up to and including ')'.
func (p *parser) callArgs(call *StaticCall) error {
	for {
		if err := p.skipNewlines(exprMode); err != nil {
			return err
		}
		tok, err := p.peek(exprMode)
		if err != nil {
			return err
		}
		if tok.kind == tRParen && len(call.Args) == 0 {
			p.next(exprMode)
			return nil
		}
		arg, err := p.exprPrimary()
		if err != nil {
			return err
		}
		call.Args = append(call.Args, arg)
		if err := p.skipNewlines(exprMode); err != nil {
			return err
		}
		sep, err := p.next(exprMode)
		if err != nil {
			return err
		}
		switch sep.kind {
		case tRParen:
			return nil
		case tComma:
		case tEOF:
			return p.fail(sep, "Missing closing ')' in method call.")
		default:
			return p.unexpected(sep)
		}
	}
}
