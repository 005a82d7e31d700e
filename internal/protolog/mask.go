package protolog

import "strings"

// masked replaces every secret in a log line.
const masked = "*****"

// maskParams returns the parameters of command cmd (lower case) as they
// may be logged. It is the only place that decides what is secret:
//
//	pass p                  -> *****               (POP3, RFC 1939)
//	apop user digest        -> user *****          (POP3, RFC 1939)
//	auth mech [response]    -> mech [*****]        (POP3 RFC 5034, SMTP RFC 4954)
//	authenticate mech [ir]  -> mech [*****]        (IMAP, RFC 3501 §6.2.2, RFC 4959)
//	login user password     -> user *****          (IMAP, RFC 3501 §6.2.3)
//
// When the parameters do not have the expected shape everything is masked:
// a malformed line must not leak what a well-formed one would hide.
func maskParams(cmd, params string) string {
	switch cmd {
	case "pass":
		if params == "" {
			return ""
		}
		return masked
	case "auth", "authenticate":
		mech, rest, _ := strings.Cut(strings.TrimLeft(params, " "), " ")
		if !isMechanism(mech) {
			return maskAll(params)
		}
		if strings.TrimSpace(rest) == "" {
			return mech
		}
		return mech + " " + masked
	case "login":
		user, rest, ok := cutAString(strings.TrimLeft(params, " "))
		if !ok {
			return maskAll(params)
		}
		if strings.TrimSpace(rest) == "" {
			return user
		}
		return user + " " + masked
	case "apop":
		user, rest, _ := strings.Cut(strings.TrimLeft(params, " "), " ")
		if rest == "" || hasCTL(user) {
			return maskAll(params)
		}
		return user + " " + masked
	}
	return params
}

func maskAll(params string) string {
	if params == "" {
		return ""
	}
	return masked
}

// isMechanism reports whether s names, in any case, a SASL mechanism
// logged in clear after AUTH and AUTHENTICATE: the ones Exchange and
// Postern offer and other registered ones (RFC 4422 §3.1 registry).
// Anything else in that position may be a client's misplaced credentials,
// so it is masked.
func isMechanism(s string) bool {
	switch strings.ToUpper(s) {
	case "ANONYMOUS", "CRAM-MD5", "DIGEST-MD5", "EXTERNAL", "GSS-SPNEGO", "GSSAPI", "LOGIN",
		"NTLM", "OAUTHBEARER", "PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-1-PLUS",
		"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS", "XOAUTH2":
		return true
	}
	return false
}

// cutAString splits an IMAP astring (RFC 3501 §9) off the front of s and
// returns it as written (quotes kept) with the text after the following
// space. A literal ({n}) is refused: its end cannot be known here.
func cutAString(s string) (tok, rest string, ok bool) {
	if s == "" || s[0] == '{' {
		return "", "", false
	}
	if s[0] != '"' {
		tok, rest, _ = strings.Cut(s, " ")
		if strings.ContainsAny(tok, `"{\`) || hasCTL(tok) {
			return "", "", false
		}
		return tok, rest, true
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			tok, rest = s[:i+1], s[i+1:]
			if hasCTL(tok) || rest != "" && rest[0] != ' ' {
				return "", "", false
			}
			return tok, strings.TrimPrefix(rest, " "), true
		}
	}
	return "", "", false
}

// hasCTL reports whether s holds an ASCII control character, which no
// user name or mechanism contains but a line with a secret may.
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
