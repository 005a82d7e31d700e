package protolog

import (
	"bytes"
	"encoding/csv"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	serverEP = netip.MustParseAddrPort("127.0.0.1:995")
	clientEP = netip.MustParseAddrPort("127.0.0.1:50123")
)

// clock is a fake time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func testOptions(dir string, c *clock) Options {
	return Options{
		Dir:        dir,
		LogType:    "POP3 Protocol Log",
		FilePrefix: "POP3BE",
		Now:        c.Now,
	}
}

func open(t *testing.T, opts Options) *Logger {
	t.Helper()
	l, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

// parsedFile is one parsed log file.
type parsedFile struct {
	name    string
	raw     []byte
	headers []string
	records [][]string
}

// readLogs parses every file in dir, checking on the way that each line
// ends in CRLF, that headers come first, and that every record has exactly
// twelve fields and is one line.
func readLogs(t *testing.T, dir string) []parsedFile {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []parsedFile
	for _, de := range des {
		raw, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		pf := parsedFile{name: de.Name(), raw: raw}
		if len(raw) > 0 && !bytes.HasSuffix(raw, []byte("\r\n")) {
			t.Errorf("%s: does not end in CRLF", de.Name())
		}
		lines := strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n")
		var body []string
		for _, ln := range lines {
			if strings.ContainsAny(ln, "\r\n") {
				t.Errorf("%s: bare CR or LF in line %q", de.Name(), ln)
			}
			if strings.HasPrefix(ln, "#") && len(body) == 0 {
				pf.headers = append(pf.headers, ln)
				continue
			}
			body = append(body, ln)
		}
		for _, ln := range body {
			r := csv.NewReader(strings.NewReader(ln))
			r.FieldsPerRecord = numFields
			recs, err := r.ReadAll()
			if err != nil {
				t.Errorf("%s: line %q: %v", de.Name(), ln, err)
				continue
			}
			if len(recs) != 1 {
				t.Errorf("%s: line %q is %d records", de.Name(), ln, len(recs))
				continue
			}
			pf.records = append(pf.records, recs[0])
		}
		out = append(out, pf)
	}
	return out
}

// allRecords returns the records of all files in name order.
func allRecords(files []parsedFile) [][]string {
	var out [][]string
	for _, f := range files {
		out = append(out, f.records...)
	}
	return out
}

func names(files []parsedFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.name)
	}
	slices.Sort(out)
	return out
}

// Field indexes.
const (
	fDateTime = iota
	fSession
	fSeq
	fSIP
	fCIP
	fUser
	fDuration
	fRqSize
	fRpSize
	fCommand
	fParams
	fContext
)

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
