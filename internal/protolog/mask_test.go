package protolog

import (
	"encoding/base64"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMaskParams(t *testing.T) {
	t.Parallel()
	tests := []struct{ cmd, params, want string }{
		{"pass", "secret1", "*****"},
		{"pass", "", ""},
		{"pass", "with spaces in it", "*****"},
		{"user", "alice@mail.test", "alice@mail.test"},
		{"apop", "alice c4c9334bac560ecc979e58001b3e22fb", "alice *****"},
		{"apop", "c4c9334bac560ecc979e58001b3e22fb", "*****"},
		{"auth", "PLAIN AGFsaWNlAHNlY3JldDE=", "PLAIN *****"},
		{"auth", "PLAIN", "PLAIN"},
		{"auth", "plain =", "plain *****"},
		{"auth", "", ""},
		{"auth", "AGFsaWNlAHNlY3JldDE=", "AGFsaWNlAHNlY3JldDE="[:0] + "*****"}, // no mechanism: all masked
		{"authenticate", "PLAIN AGFsaWNlAHNlY3JldDE=", "PLAIN *****"},
		{"authenticate", "XOAUTH2", "XOAUTH2"},
		{"auth", "dGVzdA", "*****"}, // not a mechanism: credentials sent without one
		{"authenticate", "PLAIN\tAGFsaWNl", "*****"},
		{"login", "alice secret1", "alice *****"},
		{"login", `"alice@mail.test" "se cret"`, `"alice@mail.test" *****`},
		{"login", `"al\"ice" secret1`, `"al\"ice" *****`},
		{"login", "alice", "alice"},
		{"login", "alice {7}\r\nsecret1", "alice *****"},
		{"login", "{5}\r\nalice secret1", "*****"},
		{"login", "alice\r\nsecret1", "*****"},
		{"login", "alice\tsecret1", "*****"},
		{"login", `"alice secret1`, "*****"},
		{"login", `"alice"secret1`, "*****"},
		{"login", `al"ice secret1`, "*****"},
		{"login", "", ""},
		{"retr", "1", "1"},
	}
	for _, tc := range tests {
		if got := maskParams(tc.cmd, tc.params); got != tc.want {
			t.Errorf("maskParams(%q, %q) = %q, want %q", tc.cmd, tc.params, got, tc.want)
		}
	}
}

// TestPasswordNeverLogged drives every way a password reaches the logger
// and then searches every file for it, plain and base64.
func TestPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const pw = "Sup3rSecretPassw0rd"
	l := open(t, testOptions(dir, newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))))
	s := l.Session("1", serverEP, clientEP)
	plain := base64.StdEncoding.EncodeToString([]byte("\x00alice@mail.test\x00" + pw))
	login := base64.StdEncoding.EncodeToString([]byte(pw))
	s.Command("USER", "alice@mail.test", "R=OK", 20, 5, 0)
	s.Command("PASS", pw, `R="-ERR Logon failure: unknown user name or bad password."`, 20, 60, 0)
	s.Command("Pass", " "+pw, "R=OK", 20, 5, 0)
	s.Command(" pass ", pw+"\r\n", "R=OK", 20, 5, 0)
	s.Command("APOP", "alice "+pw, "R=OK", 20, 5, 0)
	s.Command("AUTH", "PLAIN "+plain, "R=OK", 20, 5, 0)
	s.Command("AUTH", plain, "R=OK", 20, 5, 0)
	s.Command("auth", "LOGIN", "R=+", 12, 5, 0)
	s.SASLResponse("auth", "R=+", 20, 5, 0) // user name, base64
	s.SASLResponse("auth", "R=OK", 20, 5, 0)
	s.Command("AUTHENTICATE", "PLAIN "+plain, "R=OK", 20, 5, 0)
	s.Command("LOGIN", "alice "+pw, "R=OK", 20, 5, 0)
	s.Command("login", `"alice" "`+pw+`"`, "R=OK", 20, 5, 0)
	s.Command("login", "alice {19}\r\n"+pw, "R=OK", 20, 5, 0)
	s.Command("LOGIN", pw, "R=NO", 20, 5, 0) // user name only: kept, but no password was sent
	s.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	des, _ := os.ReadDir(dir)
	for _, de := range des {
		raw, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{plain, login, "c2VjcmV0", "U3VwM3JTZWNyZXRQYXNzdzByZA"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s contains %q:\n%s", de.Name(), secret, raw)
			}
		}
		// The only place the password may appear is as the sole argument of
		// a LOGIN with no password, i.e. where a user name stands.
		if n := strings.Count(string(raw), pw); n != 1 || !strings.Contains(string(raw), ",login,"+pw+",R=NO") {
			t.Errorf("%s: password appears %d times:\n%s", de.Name(), n, raw)
		}
	}
	recs := allRecords(readLogs(t, dir))
	if recs[9][fParams] != "*****" || recs[10][fParams] != "*****" {
		t.Errorf("SASL responses not masked: %q %q", recs[9], recs[10])
	}
}

// FuzzMaskSecrets checks that a password after the first argument of a
// secret-bearing command never survives masking, whatever surrounds it.
// (The first argument of LOGIN, APOP and AUTH is the user name or the
// mechanism, which are logged.)
func FuzzMaskSecrets(f *testing.F) {
	f.Add("alice", "secret1", " ")
	f.Add(`"alice"`, "secret", " ")
	f.Add("{5}", "secret1", "\r\n")
	f.Add(`al"ice`, "secret", "\t")
	f.Fuzz(func(t *testing.T, user, pw, sep string) {
		// The separator must separate, and the password must not be able to
		// close a quoted user name (then it would be part of that name).
		if len(pw) < 4 || strings.ContainsAny(pw, ` *"\`) || strings.Contains(user+sep, pw) ||
			!strings.ContainsFunc(sep, func(r rune) bool { return r <= ' ' }) || strings.TrimLeft(user, " ") == "" {
			return
		}
		for _, cmd := range []string{"pass", "apop", "auth", "authenticate", "login"} {
			params := user + sep + pw
			if got := maskParams(cmd, params); strings.Contains(got, pw) {
				t.Fatalf("maskParams(%q, %q) = %q", cmd, params, got)
			}
		}
		if got := maskParams("pass", pw); got != masked {
			t.Fatalf("maskParams(pass, %q) = %q", pw, got)
		}
	})
}

// FuzzRecord checks that any field values make one line of twelve fields
// that encoding/csv reads back.
func FuzzRecord(f *testing.F) {
	f.Add("1", "alice", "login", "a,b", `R="x"`)
	f.Add("\r\n", "\x00", "\"", "\n\n", "\xff")
	f.Fuzz(func(t *testing.T, id, user, cmd, params, context string) {
		r := record{at: time.Unix(0, 0), session: id, user: user, command: cmd, params: params, context: context}
		line := string(r.appendTo(nil))
		body, ok := strings.CutSuffix(line, "\r\n")
		if !ok || strings.ContainsAny(body, "\r\n") {
			t.Fatalf("not one line: %q", line)
		}
		cr := csv.NewReader(strings.NewReader(line))
		cr.FieldsPerRecord = numFields
		recs, err := cr.ReadAll()
		if err != nil || len(recs) != 1 {
			t.Fatalf("%q: %v (%d records)", line, err, len(recs))
		}
	})
}
