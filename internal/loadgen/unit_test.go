package loadgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	t.Parallel()
	var h Histogram
	if h.Quantile(0.5) != 0 {
		t.Fatal("empty histogram")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var vals []time.Duration
	for i := 0; i < 20000; i++ {
		d := time.Duration(rng.ExpFloat64() * float64(3*time.Millisecond))
		vals = append(vals, d)
		if i%2 == 0 {
			h.Record(d)
		} else { // merging two halves must equal one histogram
			var o Histogram
			o.Record(d)
			h.Merge(&o)
		}
	}
	sort.Slice(vals, func(a, b int) bool { return vals[a] < vals[b] })
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		want := vals[int(math.Ceil(q*float64(len(vals))))-1]
		got := h.Quantile(q)
		if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.02 {
			t.Errorf("q%.2f = %v, want %v (off by %.1f%%)", q, got, want, 100*rel)
		}
	}
	if h.Count() != 20000 {
		t.Errorf("count %d", h.Count())
	}
	var one Histogram
	one.Record(-time.Second) // clock skew cannot make a negative bucket
	one.Record(400 * 24 * time.Hour)
	if one.Quantile(1) <= 0 {
		t.Error("huge value lost")
	}
}

func TestBucketsAreMonotonic(t *testing.T) {
	t.Parallel()
	prev := -1
	for us := uint64(0); us < 1<<22; us += 1 + us/512 {
		b := bucket(us)
		if b < prev || b >= histBuckets {
			t.Fatalf("bucket(%d) = %d after %d", us, b, prev)
		}
		if v := bucketValue(b); float64(v) < float64(us)*0.98 || float64(v) > float64(us)*1.02+1 {
			t.Fatalf("bucketValue(bucket(%d)) = %d", us, v)
		}
		prev = b
	}
}

func TestMessagesAreDeterministicAndValid(t *testing.T) {
	t.Parallel()
	kinds := map[string]int{}
	for j := 0; j < 60; j++ {
		m := Message(7, 3, j, "user4@mail.test")
		if !bytes.Equal(m, Message(7, 3, j, "user4@mail.test")) {
			t.Fatal("same arguments, different bytes")
		}
		if bytes.Equal(m, Message(8, 3, j, "user4@mail.test")) || bytes.Equal(m, Message(7, 4, j, "user4@mail.test")) {
			t.Fatal("different seed or user, same bytes")
		}
		if len(m) < MinMessageSize || len(m) > MaxMessageSize+2048 {
			t.Errorf("message %d is %d octets", j, len(m))
		}
		if bytes.Contains(bytes.ReplaceAll(m, []byte("\r\n"), nil), []byte("\n")) || !bytes.HasSuffix(m, []byte("\r\n")) {
			t.Fatalf("message %d has a bare LF or no final CRLF", j)
		}
		for _, l := range bytes.Split(m, []byte("\r\n")) {
			if len(l) > 998 {
				t.Fatalf("message %d has a line of %d octets (RFC 5322 2.1.1)", j, len(l))
			}
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m))
		if err != nil {
			t.Fatalf("message %d: %v", j, err)
		}
		for _, f := range []string{"From", "To", "Subject", "Date", "Message-Id", "Mime-Version"} {
			if msg.Header.Get(f) == "" {
				t.Errorf("message %d has no %s", j, f)
			}
		}
		if _, err := msg.Header.Date(); err != nil {
			t.Errorf("message %d: %v", j, err)
		}
		if _, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
			t.Errorf("message %d subject: %v", j, err)
		}
		body, _ := io.ReadAll(msg.Body)
		sum := sha256.Sum256(body)
		if msg.Header.Get(BodyDigestHeader) != hex.EncodeToString(sum[:]) {
			t.Fatalf("message %d: digest does not match the body", j)
		}
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("message %d: %v", j, err)
		}
		kinds[mt]++
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
			parts := 0
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("message %d part %d: %v", j, parts, err)
				}
				io.Copy(io.Discard, p)
				parts++
			}
			if parts != 2 {
				t.Errorf("message %d: %d parts", j, parts)
			}
		}
	}
	for _, k := range []string{"text/plain", "multipart/alternative", "multipart/mixed"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among 60 messages: %v", k, kinds)
		}
	}
}

func TestParseUsers(t *testing.T) {
	t.Parallel()
	us, err := ParseUsers("u%d@mail.test:pw%d", 3)
	if err != nil || len(us) != 3 || us[2] != (User{"u3@mail.test", "pw3"}) {
		t.Fatalf("pattern: %v %v", us, err)
	}
	for _, bad := range []string{"u%d@mail.test", "u@mail.test:pw%d"} {
		if _, err := ParseUsers(bad, 3); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseUsers("u%d@mail.test:pw", 0); err == nil {
		t.Error("pattern without count accepted")
	}
	f := filepath.Join(t.TempDir(), "users")
	os.WriteFile(f, []byte("# users\na@mail.test:p:with:colons\n\nb@mail.test:q\n"), 0o600)
	us, err = ParseUsers(f, 0)
	if err != nil || len(us) != 2 || us[0].Password != "p:with:colons" {
		t.Fatalf("file: %v %v", us, err)
	}
	if us, err = ParseUsers(f, 1); err != nil || len(us) != 1 {
		t.Fatalf("file, first 1: %v %v", us, err)
	}
	if _, err = ParseUsers(f, 3); err == nil {
		t.Error("3 users asked of a file of 2")
	}
}

func TestUserForPartitions(t *testing.T) {
	t.Parallel()
	users, _ := ParseUsers("u%d@x:p", 10)
	owner := map[string]int{}
	for i := 0; i < 4; i++ {
		for k := int64(0); k < 12; k++ {
			u := userFor(users, i, 4, k).Address
			if o, ok := owner[u]; ok && o != i {
				t.Fatalf("%s used by clients %d and %d", u, o, i)
			}
			owner[u] = i
		}
	}
	if len(owner) != 10 {
		t.Errorf("%d of 10 users used", len(owner))
	}
	if u := userFor(users[:2], 3, 4, 5); u != users[1] {
		t.Errorf("fewer users than clients: got %v", u)
	}
}

func TestCompareMedians(t *testing.T) {
	t.Parallel()
	in := `{"workload":"pop3-fetch","label":"postern","round":1,"metric":"messages/s","value":100,"p99_ms":5}
{"workload":"pop3-fetch","label":"dovecot","round":1,"metric":"messages/s","value":50,"p99_ms":9,"errors":1}
{"workload":"pop3-fetch","label":"postern","round":2,"metric":"messages/s","value":90,"p99_ms":6}
{"workload":"pop3-fetch","label":"dovecot","round":2,"metric":"messages/s","value":100,"p99_ms":8}

{"workload":"pop3-fetch","label":"postern","round":3,"metric":"messages/s","value":120,"p99_ms":4}
{"workload":"pop3-fetch","label":"dovecot","round":3,"metric":"messages/s","value":60,"p99_ms":7}
{"workload":"pop3-login","label":"postern","round":1,"metric":"ops/s","value":10}
`
	rs, err := ReadResults(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	cs := Compare(rs, "postern", "dovecot")
	if len(cs) != 2 {
		t.Fatalf("%+v", cs)
	}
	c := cs[0]
	// Ratios per round: 2, 0.9, 2 → median 2. Medians: 100 and 60.
	if c.Workload != "pop3-fetch" || c.A != 100 || c.B != 60 || c.Ratio != 2 || c.P99A != 5 || c.P99B != 8 || c.ErrorsB != 1 || c.Rounds != 3 {
		t.Errorf("%+v", c)
	}
	if cs[1].Rounds != 1 || cs[1].Ratio != 0 || cs[1].A != 10 || !cs[1].OnlyA || cs[0].OnlyA {
		t.Errorf("%+v", cs[1])
	}
	var b strings.Builder
	WriteTable(&b, cs, "Postern", "Dovecot")
	if !strings.Contains(b.String(), "| pop3-fetch | 0 | messages/s | 100.0 | 60.0 | 2.00× |") || strings.Contains(b.String(), "idle") ||
		!strings.Contains(b.String(), "| pop3-login | 0 | ops/s | 10.0 | — | — (Postern only) | 0.0 / — | 0 / — | 1 |") {
		t.Errorf("table:\n%s", b.String())
	}
	if _, err := ReadResults(strings.NewReader("{broken\n")); err == nil {
		t.Error("broken JSON accepted")
	}
}

func TestCompareSeparatesClientCountsAndIdle(t *testing.T) {
	t.Parallel()
	in := `{"workload":"imap-fetch","clients":16,"label":"postern","round":1,"metric":"messages/s","value":300}
{"workload":"imap-fetch","clients":16,"label":"dovecot","round":1,"metric":"messages/s","value":100}
{"workload":"imap-fetch","clients":64,"label":"postern","round":1,"metric":"messages/s","value":200}
{"workload":"imap-fetch","clients":64,"label":"dovecot","round":1,"metric":"messages/s","value":100}
{"workload":"idle-conns","clients":4,"label":"postern","round":1,"metric":"KiB/conn","value":20,"idle_conns":200,"p50_ms":1,"p99_ms":3}
{"workload":"idle-conns","clients":4,"label":"dovecot","round":1,"metric":"KiB/conn","value":800,"idle_conns":200,"p50_ms":400,"p99_ms":990,"errors":2}
`
	rs, err := ReadResults(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	cs := Compare(rs, "postern", "dovecot")
	if len(cs) != 3 || cs[0].Clients != 16 || cs[0].Ratio != 3 || cs[1].Clients != 64 || cs[1].Ratio != 2 {
		t.Fatalf("%+v", cs)
	}
	if c := cs[2]; c.Ratio != 0.025 || c.IdleConns != 200 || c.P99B != 990 || c.P50A != 1 || c.ErrorsB != 2 {
		t.Errorf("%+v", c)
	}
	var b strings.Builder
	WriteTable(&b, cs, "Postern", "Dovecot")
	for _, want := range []string{
		"| imap-fetch | 16 | messages/s | 300.0 | 100.0 | 3.00× |",
		"| imap-fetch | 64 | messages/s | 200.0 | 100.0 | 2.00× |",
		"| idle-conns | 200 | 20.0 / 800.0 | 0.025× | 1.0 / 400.0 | 3.0 / 990.0 | 0 / 2 | 1 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "| idle-conns | 4 |") {
		t.Errorf("idle-conns in the throughput table:\n%s", b.String())
	}
	b.Reset()
	WriteTable(&b, cs[2:], "Postern", "Dovecot")
	if strings.Contains(b.String(), "| clients |") || !strings.HasPrefix(b.String(), "| workload | idle connections |") {
		t.Errorf("idle only:\n%s", b.String())
	}
}
