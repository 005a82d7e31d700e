package queue

import (
	"bufio"
	"strings"
	"testing"

	"github.com/postern/postern/internal/mime"
)

// report is a DSN read back: its per-message and per-recipient fields
// (names lower-case) and the quoted header section.
type report struct {
	subject    string
	msg        map[string]string
	recipients []map[string]string
	headers    string
}

// parseReport checks a DSN's MIME structure with the mime parser (RFC
// 3464: multipart/report; report-type=delivery-status, with a
// message/delivery-status second part) and reads its fields.
func parseReport(t testing.TB, dsn string) report {
	t.Helper()
	p, err := mime.Parse(strings.NewReader(dsn), mime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rt, _ := p.Param("report-type"); p.Type != "multipart" || p.Subtype != "report" || rt != "delivery-status" || len(p.Children) != 3 {
		t.Fatalf("not a delivery report: %s/%s %v, %d parts", p.Type, p.Subtype, p.Params, len(p.Children))
	}
	st, hd := p.Children[1], p.Children[2]
	if st.Type != "message" || st.Subtype != "delivery-status" || hd.Type != "text" || hd.Subtype != "rfc822-headers" {
		t.Fatalf("parts: %s/%s, %s/%s", st.Type, st.Subtype, hd.Type, hd.Subtype)
	}
	var r report
	if p.Envelope != nil {
		r.subject = p.Envelope.Subject
	}
	groups := strings.Split(strings.TrimRight(dsn[st.BodyStart():st.BodyEnd], "\r\n"), "\r\n\r\n")
	for i, g := range groups {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(g))
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), ":")
			if !ok {
				t.Fatalf("status line %q", sc.Text())
			}
			fields[strings.ToLower(k)] = strings.TrimSpace(v)
		}
		if i == 0 {
			r.msg = fields
		} else {
			r.recipients = append(r.recipients, fields)
		}
	}
	r.headers = dsn[hd.BodyStart():hd.BodyEnd]
	return r
}
