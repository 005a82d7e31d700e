package protolog

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fileExt ends every log file name, in upper case as Exchange writes it.
const fileExt = ".LOG"

// retryDelay is how long the writer waits after a disk failure before it
// tries to open a file again; lines meanwhile are dropped and counted.
const retryDelay = 5 * time.Second

// periodStart returns the start (UTC) of the rollover period holding t.
func periodStart(p Period, t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch p {
	case Hourly:
		return time.Date(y, m, d, t.Hour(), 0, 0, 0, time.UTC)
	case Weekly:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, time.UTC)
	case Monthly:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// stamp is the date part of a file name: yyyyMMddHH for hourly files,
// yyyyMMdd (the period's first day) otherwise.
func stamp(p Period, start time.Time) string {
	if p == Hourly {
		return start.Format("2006010215")
	}
	return start.Format("20060102")
}

// logFile is an existing log file found in the folder.
type logFile struct {
	name  string
	stamp string
	n     int
}

// after orders files by stamp (hourly stamps after the day's own) and then
// by number.
func (f logFile) after(g logFile) bool {
	a, b := f.stamp+strings.Repeat("0", 10-len(f.stamp)), g.stamp+strings.Repeat("0", 10-len(g.stamp))
	if a != b {
		return a > b
	}
	return f.n > g.n
}

// parseName recognises <prefix><8 or 10 digits>-<n>.LOG.
func parseName(prefix, name string) (logFile, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return logFile{}, false
	}
	rest, ok = strings.CutSuffix(rest, fileExt)
	if !ok {
		return logFile{}, false
	}
	st, num, ok := strings.Cut(rest, "-")
	if !ok || (len(st) != 8 && len(st) != 10) || strings.Trim(st, "0123456789") != "" {
		return logFile{}, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || strconv.Itoa(n) != num {
		return logFile{}, false
	}
	return logFile{name: name, stamp: st, n: n}, true
}

// rotator owns the current file. Only the writer goroutine uses it.
type rotator struct {
	opts Options

	f       *os.File
	w       *bufio.Writer
	period  time.Time // period start of the current file, when rolling by time
	size    int64     // bytes in the file, buffered ones included
	base    int64     // size when no record had been written to it yet
	pending uint64    // records buffered since the last successful flush

	retryAt time.Time // wall-clock time before which no open is tried
	failing bool      // a failure has been reported and not yet recovered
	dropped func(n uint64)
}

func (r *rotator) byTime() bool { return r.opts.MaxFileSize == 0 }

// open starts writing at time t: it continues the newest suitable file or
// creates the next numbered one. Rolling by time, only a file of t's period
// continues; by size, the newest file if it has room for next more bytes;
// unlimited, the newest file.
func (r *rotator) open(t time.Time, next int) error {
	des, err := os.ReadDir(r.opts.Dir)
	if err != nil {
		return err
	}
	var cur string
	if r.byTime() {
		r.period = periodStart(r.opts.RollOver, t)
		cur = stamp(r.opts.RollOver, r.period)
	} else {
		cur = stamp(Daily, periodStart(Daily, t))
	}
	var newest *logFile
	n := 1
	for _, de := range des {
		lf, ok := parseName(r.opts.FilePrefix, de.Name())
		if !ok || de.IsDir() {
			continue
		}
		if lf.stamp == cur && lf.n >= n {
			n = lf.n + 1
		}
		if r.byTime() && lf.stamp != cur {
			continue
		}
		if newest == nil || lf.after(*newest) {
			newest = &lf
		}
	}
	if newest != nil {
		ok, err := r.continueFile(filepath.Join(r.opts.Dir, newest.name), next)
		if ok || err != nil {
			return err
		}
	}
	for range 100 { // another writer may race us for a number
		path := filepath.Join(r.opts.Dir, fmt.Sprintf("%s%s-%d%s", r.opts.FilePrefix, cur, n, fileExt))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o640)
		if os.IsExist(err) {
			n++
			continue
		}
		if err != nil {
			return err
		}
		r.use(f, 0)
		h := header(r.opts.LogType, t)
		r.w.Write(h)
		r.size = int64(len(h))
		r.base = r.size
		return r.w.Flush() // the file shows its header at once
	}
	return fmt.Errorf("protolog: no free file name for %s%s in %s", r.opts.FilePrefix, cur, r.opts.Dir)
}

// continueFile opens path for appending unless next more bytes would pass
// the size quota. A file that a crash left without a final line end gets
// one first.
func (r *rotator) continueFile(path string, next int) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return false, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return false, err
	}
	size := fi.Size()
	if q := r.opts.MaxFileSize; q > 0 && size+int64(next)+2 > q {
		f.Close()
		return false, nil
	}
	r.use(f, size)
	if size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil && err != io.EOF {
			r.closeFile()
			return false, err
		}
		if last[0] != '\n' {
			r.w.WriteString("\r\n")
			r.size += 2
		}
	}
	r.base = 0
	return true, nil
}

func (r *rotator) use(f *os.File, size int64) {
	r.f, r.size, r.pending = f, size, 0
	if r.w == nil {
		r.w = bufio.NewWriterSize(f, 64<<10)
	} else {
		r.w.Reset(f)
	}
}

// needsNew reports whether a line of n bytes stamped t belongs in a new
// file. Time only moves files forward: a line stamped just before the
// boundary that reaches the writer late (or a clock stepped back) stays in
// the current file.
func (r *rotator) needsNew(t time.Time, n int) bool {
	if r.byTime() {
		return periodStart(r.opts.RollOver, t).After(r.period)
	}
	q := r.opts.MaxFileSize
	return q > 0 && r.size > r.base && r.size+int64(n) > q
}

// write appends one record line stamped t, starting a new file first when
// the rollover rules say so. Failures drop lines, never block.
func (r *rotator) write(t time.Time, line []byte) {
	if r.f != nil && r.needsNew(t, len(line)) {
		if err := r.closeFile(); err != nil {
			r.fail(err)
		}
	}
	if r.f == nil {
		if time.Now().Before(r.retryAt) {
			r.dropped(1)
			return
		}
		if err := r.open(t, len(line)); err != nil {
			r.dropped(1)
			r.fail(err)
			return
		}
	}
	r.pending++
	r.size += int64(len(line))
	if _, err := r.w.Write(line); err != nil {
		r.fail(err)
	}
}

// flush writes buffered lines to the file.
func (r *rotator) flush() {
	if r.f == nil {
		return
	}
	if err := r.w.Flush(); err != nil {
		r.fail(err)
		return
	}
	r.pending = 0
	if r.failing {
		r.failing = false
		r.opts.ErrorLog.Info("protolog: writing again", "dir", r.opts.Dir, "prefix", r.opts.FilePrefix)
	}
}

// closeFile flushes and closes the current file.
func (r *rotator) closeFile() error {
	if r.f == nil {
		return nil
	}
	err := r.w.Flush()
	if err == nil {
		r.pending = 0
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	r.f = nil
	return err
}

// fail abandons the current file after an error: the records still
// buffered are counted as dropped and opening is retried after retryDelay.
func (r *rotator) fail(err error) {
	if r.pending > 0 {
		r.dropped(r.pending)
		r.pending = 0
	}
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
	r.retryAt = time.Now().Add(retryDelay)
	if !r.failing {
		r.failing = true
		r.opts.ErrorLog.Error("protolog: cannot write protocol log; dropping lines",
			"dir", r.opts.Dir, "prefix", r.opts.FilePrefix, "err", err)
	}
}
