package lang

import (
	"strconv"
	"strings"
)

// Pos is a byte offset into the source text.
type Pos int

// Script is what Parse returns: statements in order. A statement ends at
// ';' or a line break.
type Script struct {
	Statements []*Statement
}

// Statement is one pipeline, optionally assigned to a variable
// ($cred = Get-Credential).
type Statement struct {
	Pos Pos
	// Assign is the variable name without '$', or empty.
	Assign   string
	Pipeline *Pipeline
}

// Pipeline is one or more stages joined by '|'. The first stage may be an
// expression ("a","b" | Format-List); every later stage is a command.
type Pipeline struct {
	Pos    Pos
	End    Pos
	Stages []Stage
}

// Stage is a *Command or an *ExprStage.
type Stage interface {
	stagePos() Pos
	String() string
}

// Command is a cmdlet invocation: its name and its elements (parameters
// and arguments) as written. Which element binds to which parameter is the
// evaluator's business, as in PowerShell: the parser cannot know whether
// -Force takes a value.
type Command struct {
	Pos Pos
	// End is the offset just past the command's last element.
	End   Pos
	Name  string
	Elems []*Element
}

// Element is a parameter token (-Name, -Name:value) or an argument.
type Element struct {
	Pos Pos
	// Param is the parameter name without the dash, as typed; empty for an
	// argument.
	Param string
	// Colon is set for -Name:value, where Value is the attached value.
	Colon bool
	// Value is the argument, or the value after the colon; nil for a bare
	// parameter token.
	Value Expr
}

// ExprStage is an expression used as the first stage of a pipeline.
type ExprStage struct {
	Expr Expr
}

func (c *Command) stagePos() Pos   { return c.Pos }
func (e *ExprStage) stagePos() Pos { return e.Expr.exprPos() }

// Expr is a value: *StringLit, *NumberLit, *Variable, *ArrayLit, *HashLit,
// *SubExpr, *StaticCall or *Member.
type Expr interface {
	exprPos() Pos
	String() string
}

// StringLit is a quoted string or a bare word. Double-quoted strings and
// bare words expand variables, so their value is a list of parts.
type StringLit struct {
	Pos Pos
	// Quote is 0 for a bare word, '\'' or '"'.
	Quote byte
	Parts []Part
}

// Part is a piece of a string: literal text, or a variable to expand.
type Part struct {
	Text string
	// Var is set when the part is a variable reference ($name).
	Var bool
}

// Literal returns the text with variables written as $name, for messages
// and for words that hold no variable.
func (s *StringLit) Literal() string {
	var b strings.Builder
	for _, p := range s.Parts {
		if p.Var {
			b.WriteString("$" + p.Text)
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// NumberLit is a number in expression mode or a bare argument that reads
// as one (1024, 0x10, 10MB).
type NumberLit struct {
	Pos   Pos
	Text  string
	Value int64
}

// Variable is $name; $true, $false and $null are variables too.
type Variable struct {
	Pos  Pos
	Name string
}

// ArrayLit is a comma list: "a","b".
type ArrayLit struct {
	Pos   Pos
	Elems []Expr
}

// HashLit is @{Key=value; ...}, in the order written.
type HashLit struct {
	Pos     Pos
	Entries []HashEntry
}

// HashEntry is one Key=value pair.
type HashEntry struct {
	Key   string
	Value Expr
}

// SubExpr is (pipeline), $(statements) or @(statements). Kind is '(', '$'
// or '@'.
type SubExpr struct {
	Pos  Pos
	Kind byte
	Body []*Statement
}

// Member is a property of a value: $cred.UserName, (Get-PopSettings).Banner.
type Member struct {
	Pos    Pos
	Target Expr
	Name   string
}

// StaticCall is [Type]::Method(args), e.g.
// [System.IO.File]::ReadAllBytes('cert.pem').
type StaticCall struct {
	Pos    Pos
	Type   string
	Method string
	Args   []Expr
}

func (s *StringLit) exprPos() Pos  { return s.Pos }
func (n *NumberLit) exprPos() Pos  { return n.Pos }
func (v *Variable) exprPos() Pos   { return v.Pos }
func (a *ArrayLit) exprPos() Pos   { return a.Pos }
func (h *HashLit) exprPos() Pos    { return h.Pos }
func (s *SubExpr) exprPos() Pos    { return s.Pos }
func (s *StaticCall) exprPos() Pos { return s.Pos }
func (m *Member) exprPos() Pos     { return m.Pos }

// The String methods print the canonical form of a node: it parses back
// to the same tree (FuzzParse checks this), so it is also what -WhatIf and
// the audit log show.

func (s *Script) String() string { return joinStatements(s.Statements, "; ") }

func joinStatements(sts []*Statement, sep string) string {
	parts := make([]string, len(sts))
	for i, st := range sts {
		parts[i] = st.String()
	}
	return strings.Join(parts, sep)
}

func (s *Statement) String() string {
	if s.Assign != "" {
		return "$" + s.Assign + " = " + s.Pipeline.String()
	}
	return s.Pipeline.String()
}

func (p *Pipeline) String() string {
	parts := make([]string, len(p.Stages))
	for i, st := range p.Stages {
		parts[i] = st.String()
	}
	return strings.Join(parts, " | ")
}

func (c *Command) String() string {
	var b strings.Builder
	b.WriteString(c.Name)
	for _, e := range c.Elems {
		b.WriteByte(' ')
		b.WriteString(e.String())
	}
	return b.String()
}

func (e *Element) String() string {
	switch {
	case e.Param == "":
		return e.Value.String()
	case e.Colon:
		return "-" + e.Param + ":" + e.Value.String()
	}
	return "-" + e.Param
}

func (e *ExprStage) String() string { return e.Expr.String() }

func (s *StringLit) String() string {
	if s.Quote == 0 && bareSafe(s) {
		return s.Literal()
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, p := range s.Parts {
		if p.Var {
			b.WriteString("${" + p.Text + "}")
			continue
		}
		for _, r := range p.Text {
			if r == '"' || r == '`' || r == '$' || isDoubleQuote(r) {
				b.WriteByte('`')
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// bareSafe reports whether a bare word prints back as the same bare word.
func bareSafe(s *StringLit) bool {
	if len(s.Parts) != 1 || s.Parts[0].Var {
		return false
	}
	t := s.Parts[0].Text
	if t == "" || isDash(firstRune(t)) || looksLikeNumber(t) {
		return false
	}
	for _, r := range t {
		if endsWord(r) || r == '$' || r == '`' || r == '#' || r == '@' || r == '[' || r == '<' || r == '>' || r == '&' ||
			isSingleQuote(r) || isDoubleQuote(r) {
			return false
		}
	}
	return true
}

func (n *NumberLit) String() string {
	if v, ok := parseNumber(n.Text); ok && v == n.Value {
		return n.Text
	}
	return strconv.FormatInt(n.Value, 10)
}

func (v *Variable) String() string {
	if isVarName(v.Name) {
		return "$" + v.Name
	}
	return "${" + v.Name + "}"
}

func (a *ArrayLit) String() string {
	parts := make([]string, len(a.Elems))
	for i, e := range a.Elems {
		parts[i] = e.String()
		if _, nested := e.(*ArrayLit); nested {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, ",")
}

func (h *HashLit) String() string {
	parts := make([]string, len(h.Entries))
	for i, e := range h.Entries {
		parts[i] = (&StringLit{Quote: '\'', Parts: []Part{{Text: e.Key}}}).quoted() + "=" + e.Value.String()
	}
	return "@{" + strings.Join(parts, "; ") + "}"
}

// quoted prints a literal in single quotes.
func (s *StringLit) quoted() string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s.Literal() {
		if isSingleQuote(r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

func (s *SubExpr) String() string {
	body := joinStatements(s.Body, "; ")
	switch s.Kind {
	case '$':
		return "$(" + body + ")"
	case '@':
		return "@(" + body + ")"
	}
	return "(" + body + ")"
}

func (s *StaticCall) String() string {
	args := make([]string, len(s.Args))
	for i, a := range s.Args {
		args[i] = a.String()
		if _, isArray := a.(*ArrayLit); isArray {
			args[i] = "(" + args[i] + ")"
		}
	}
	return "[" + s.Type + "]::" + s.Method + "(" + strings.Join(args, ", ") + ")"
}

func (m *Member) String() string { return m.Target.String() + "." + m.Name }
