package protolog

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRollOverByTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		period Period
		times  []time.Time // one command at each
		want   []string
	}{
		{Hourly, []time.Time{
			time.Date(2026, 11, 22, 10, 59, 59, 0, time.UTC),
			time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC),
			time.Date(2026, 11, 22, 11, 59, 0, 0, time.UTC),
			time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		}, []string{"POP3BE2026112210-1.LOG", "POP3BE2026112211-1.LOG", "POP3BE2026112300-1.LOG"}},
		{Daily, []time.Time{
			time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 11, 22, 23, 59, 59, 0, time.UTC),
			time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
			// a non-UTC clock is logged and rolled in UTC
			time.Date(2026, 11, 23, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)),
		}, []string{"POP3BE20261122-1.LOG", "POP3BE20261123-1.LOG", "POP3BE20261124-1.LOG"}},
		{Weekly, []time.Time{
			time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), // Sunday: week of Monday 16th
			time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),  // Monday
			time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC), // Sunday
			time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),  // Monday
		}, []string{"POP3BE20261116-1.LOG", "POP3BE20261123-1.LOG", "POP3BE20261130-1.LOG"}},
		{Monthly, []time.Time{
			time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
			time.Date(2026, 11, 30, 23, 59, 0, 0, time.UTC),
			time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC),
		}, []string{"POP3BE20261101-1.LOG", "POP3BE20261201-1.LOG", "POP3BE20270101-1.LOG"}},
	}
	for _, tc := range tests {
		t.Run(tc.period.String(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := newClock(tc.times[0])
			opts := testOptions(dir, c)
			opts.RollOver = tc.period
			l := open(t, opts)
			s := l.Session("1", serverEP, clientEP)
			for _, at := range tc.times {
				c.Set(at)
				s.Command("noop", "", "R=OK", 6, 5, 0)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			files := readLogs(t, dir)
			if got := names(files); !slices.Equal(got, tc.want) {
				t.Fatalf("files %v, want %v", got, tc.want)
			}
			for _, f := range files {
				if len(f.headers) != 5 || len(f.records) == 0 {
					t.Errorf("%s: %d headers, %d records", f.name, len(f.headers), len(f.records))
				}
			}
			if n := len(allRecords(files)); n != 1+len(tc.times) {
				t.Errorf("%d records, want %d", n, 1+len(tc.times))
			}
		})
	}
}

func TestRollOverDefaultsToHourly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, testOptions(dir, newClock(time.Date(2026, 11, 22, 7, 0, 0, 0, time.UTC))))
	l.Close()
	if got := names(readLogs(t, dir)); !slices.Equal(got, []string{"POP3BE2026112207-1.LOG"}) {
		t.Fatalf("files %v", got)
	}
}

func TestRestartContinuesPeriodFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	for range 2 {
		l := open(t, testOptions(dir, c))
		l.Session("1", serverEP, clientEP).Close()
		l.Close()
		c.Add(time.Minute)
	}
	// A crash left half a line; the next start ends it before appending.
	name := filepath.Join(dir, "POP3BE2026112210-1.LOG")
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("2026-11-22T10:01:00.000Z,torn")
	f.Close()
	l := open(t, testOptions(dir, c))
	l.Session("2", serverEP, clientEP).Close()
	l.Close()

	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "#Software:"); n != 1 {
		t.Errorf("%d headers", n)
	}
	if !strings.Contains(string(raw), ",torn\r\n2026-11-22T10:02:00.000Z,2,0,") {
		t.Errorf("torn line not ended:\n%s", raw)
	}
	if got := names(readDir(t, dir)); len(got) != 1 {
		t.Errorf("files %v", got)
	}
}

// readDir lists file names without parsing (a torn line is not a record).
func readDir(t *testing.T, dir string) []parsedFile {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []parsedFile
	for _, de := range des {
		out = append(out, parsedFile{name: de.Name()})
	}
	return out
}

func TestRollOverBySize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	opts := testOptions(dir, c)
	opts.MaxFileSize = 2048
	l := open(t, opts)
	s := l.Session("1", serverEP, clientEP)
	for i := range 100 {
		c.Add(time.Minute) // crosses hours and a day: time does not matter
		s.Command("retr", "1", "R=OK", 8, 1000+i, 0)
	}
	s.Command("big", strings.Repeat("x", 3000), "", 0, 0, 0) // longer than the quota
	s.Close()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files := readLogs(t, dir)
	if len(files) < 5 {
		t.Fatalf("files %v", names(files))
	}
	for i, f := range files {
		want := "POP3BE20261122-" + strconv.Itoa(i+1) + ".LOG"
		if f.name != want && !strings.HasPrefix(f.name, "POP3BE20261123-") {
			t.Errorf("file %d is %s, want %s", i, f.name, want)
		}
		if len(f.raw) > 2048 && len(f.records) != 1 {
			t.Errorf("%s: %d bytes", f.name, len(f.raw))
		}
		if len(f.headers) != 5 {
			t.Errorf("%s: %d header lines", f.name, len(f.headers))
		}
	}
	if n := len(allRecords(files)); n != 103 {
		t.Errorf("%d records, want 103", n)
	}

	// A restart continues the newest file while it has room.
	before := names(files)
	l = open(t, opts)
	l.Close()
	if got := names(readLogs(t, dir)); !slices.Equal(got, before) {
		t.Errorf("restart: files %v, want %v", got, before)
	}
}

func TestUnlimitedKeepsOneFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	opts := testOptions(dir, c)
	opts.MaxFileSize = Unlimited
	for range 2 { // across a restart too
		l := open(t, opts)
		s := l.Session("1", serverEP, clientEP)
		for range 500 {
			c.Add(time.Hour)
			s.Command("stat", "", "R=OK", 6, 12, 0)
		}
		s.Close()
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	files := readLogs(t, dir)
	if got := names(files); !slices.Equal(got, []string{"POP3BE20261122-1.LOG"}) {
		t.Fatalf("files %v", got)
	}
	if n := len(files[0].records); n != 2*502 {
		t.Errorf("%d records", n)
	}
}

func TestOtherPrefixesIgnored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	for _, p := range []string{"POP3", "POP3BE"} {
		opts := testOptions(dir, c)
		opts.FilePrefix = p
		l := open(t, opts)
		l.Session(p, serverEP, clientEP).Close()
		l.Close()
	}
	files := readLogs(t, dir)
	if got := names(files); !slices.Equal(got, []string{"POP32026112210-1.LOG", "POP3BE2026112210-1.LOG"}) {
		t.Fatalf("files %v", got)
	}
}
