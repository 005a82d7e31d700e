package wire

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MailFrom is a parsed MAIL argument with the parameters this codec knows
// decoded. Unknown parameters stay in Path.Params only; the session decides
// which parameters it supports (555 5.5.4 for the rest, RFC 5321 4.1.1.11).
type MailFrom struct {
	Path
	// Size is the SIZE= declaration (RFC 1870), 0 when absent.
	Size int64
	// Body is the upper-cased BODY= value: "7BIT", "8BITMIME" (RFC 6152)
	// or "BINARYMIME" (RFC 3030); "" when absent.
	Body string
	// SMTPUTF8 reports the SMTPUTF8 parameter (RFC 6531 3.4).
	SMTPUTF8 bool
}

// ParseMailFrom parses the argument of MAIL: "FROM:<reverse-path>
// [params]". Invalid values of SIZE, BODY and SMTPUTF8 wrap ErrBadParam.
func ParseMailFrom(arg string) (MailFrom, error) {
	rest, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		return MailFrom{}, fmt.Errorf("%w: expected FROM:<address>", ErrSyntax)
	}
	p, err := ParsePath(strings.TrimLeft(rest, " "), ReversePath)
	if err != nil {
		return MailFrom{}, err
	}
	m := MailFrom{Path: p}
	for _, pr := range p.Params {
		switch pr.Key {
		case "SIZE":
			// size-value ::= 1*20DIGIT (RFC 1870 4); a value beyond int64
			// is simply too big, not a syntax error.
			if !isDigits(pr.Value) || len(pr.Value) > 20 {
				return MailFrom{}, fmt.Errorf("%w: SIZE needs a decimal number", ErrBadParam)
			}
			n, err := strconv.ParseInt(pr.Value, 10, 64)
			if err != nil {
				n = math.MaxInt64
			}
			m.Size = n
		case "BODY":
			switch v := strings.ToUpper(pr.Value); v {
			case "7BIT", "8BITMIME", "BINARYMIME":
				m.Body = v
			default:
				return MailFrom{}, fmt.Errorf("%w: unknown BODY type", ErrBadParam)
			}
		case "SMTPUTF8":
			if pr.Value != "" {
				return MailFrom{}, fmt.Errorf("%w: SMTPUTF8 takes no value", ErrBadParam)
			}
			m.SMTPUTF8 = true
		}
	}
	return m, nil
}

// parseParams parses *(SP esmtp-param) with esmtp-param = esmtp-keyword
// ["=" esmtp-value] (RFC 5321 4.1.2; values may hold UTF-8, RFC 6531
// 3.3). Runs of spaces are tolerated. Keys are upper-cased and must be
// unique.
func parseParams(s string) ([]Param, error) {
	var params []Param
	for f := range strings.FieldsSeq(s) {
		key, value, hasValue := strings.Cut(f, "=")
		if !isKeyword(key) {
			return nil, fmt.Errorf("%w: malformed parameter keyword", ErrBadParam)
		}
		if hasValue && !isParamValue(value) {
			return nil, fmt.Errorf("%w: malformed parameter value", ErrBadParam)
		}
		key = strings.ToUpper(key)
		for _, p := range params {
			if p.Key == key {
				return nil, fmt.Errorf("%w: duplicate parameter %s", ErrBadParam, key)
			}
		}
		params = append(params, Param{Key: key, Value: value})
	}
	return params, nil
}

// isKeyword reports esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
func isKeyword(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isParamValue reports esmtp-value = 1*(%d33-60 / %d62-126 / UTF-8).
func isParamValue(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '=' || c == 0x7f {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
