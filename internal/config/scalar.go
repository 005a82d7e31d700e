package config

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

// boolSyntax describes the accepted Boolean input, for error messages.
const boolSyntax = "$true, $false, true, false, 1 or 0"

// ParseBool parses a Boolean as the shell and CLI write it: $true/$false,
// true/false or 1/0, case-insensitive, with surrounding spaces ignored.
func ParseBool(text string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "$true", "true", "1":
		return true, nil
	case "$false", "false", "0":
		return false, nil
	}
	return false, syntaxError("Boolean", text, boolSyntax)
}

// FormatBool returns the display form, True or False.
func FormatBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// parseInt32 parses an Int32 parameter bounded to [lo, hi]. A number too
// large for any integer type is reported as out of range, not as bad syntax.
func parseInt32(text string, lo, hi int) (int, error) {
	s := strings.TrimSpace(text)
	n, err := strconv.ParseInt(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, rangeError(s, intRange(lo, hi))
	}
	if err != nil {
		return 0, syntaxError("Int32", text, "a whole number in the range "+intRange(lo, hi))
	}
	if n < int64(lo) || n > int64(hi) {
		return 0, rangeError(strconv.FormatInt(n, 10), intRange(lo, hi))
	}
	return int(n), nil
}

// checkInt reports v outside [lo, hi] as ErrOutOfRange.
func checkInt(v, lo, hi int) error {
	if v < lo || v > hi {
		return rangeError(strconv.Itoa(v), intRange(lo, hi))
	}
	return nil
}

// intRange writes a range as Exchange does: "40-1024".
func intRange(lo, hi int) string { return strconv.Itoa(lo) + "-" + strconv.Itoa(hi) }

// parseText returns a String parameter's value: the text as given, except
// that $null (any case) clears it, as in the shell.
func parseText(text string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(text), "$null") {
		return "", nil
	}
	return text, nil
}

// checkNoControl refuses line breaks and other control characters, which
// would break a protocol line or a log file name.
func checkNoControl(s string) error {
	for _, r := range s {
		if unicode.IsControl(r) {
			return invalidError(s, "it must not contain line breaks or other control characters")
		}
	}
	return nil
}

// checkBanner requires a non-empty single line: IMAP's greeting needs text
// after "* OK" (RFC 3501 resp-text), and a line break would end the reply.
func checkBanner(s string) error {
	if strings.TrimSpace(s) == "" {
		return invalidError(s, "it must not be empty")
	}
	return checkNoControl(s)
}

// checkCertName accepts an empty value (the server's default certificate)
// or a host name as found in a certificate's subject or SAN, optionally a
// wildcard name ("*.contoso.com").
func checkCertName(s string) error {
	if s == "" || validHostName(strings.TrimPrefix(s, "*.")) {
		return nil
	}
	return invalidError(s, "it must be a host name such as mail.contoso.com")
}

// checkOwaURL accepts an empty value or an absolute http or https URL with
// a host, such as https://OwaServer01 (spec section 5.1).
func checkOwaURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || checkNoControl(s) != nil {
		return invalidError(s, "it must be an absolute http or https URL such as https://OwaServer01")
	}
	return nil
}
