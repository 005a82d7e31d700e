package protolog

import (
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// queueLen bounds the lines waiting for the writer goroutine; past it,
// lines are dropped rather than making a session wait.
const queueLen = 8192

// flushInterval is how often buffered lines reach the file at the latest.
const flushInterval = time.Second

// Logger writes one protocol log (one service's files). It is safe for
// concurrent use by any number of sessions. A nil *Logger logs nothing.
type Logger struct {
	opts Options

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	queue  chan queued
	done   chan struct{}

	dropped atomic.Uint64
	err     error // the last write error, set by the writer before done closes
}

type queued struct {
	at   time.Time
	line []byte
}

// Open validates opts, creates the folder and the first file (so enabling
// logging shows a file at once), and starts the writer goroutine. Close
// stops it.
func Open(opts Options) (*Logger, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("protolog: %w", err)
	}
	l := &Logger{
		opts:  opts,
		queue: make(chan queued, queueLen),
		done:  make(chan struct{}),
	}
	r := &rotator{opts: opts, dropped: func(n uint64) { l.dropped.Add(n) }}
	if err := r.open(opts.Now(), 0); err != nil {
		r.closeFile()
		return nil, fmt.Errorf("protolog: %w", err)
	}
	go l.run(r)
	return l, nil
}

// run is the writer goroutine: it writes queued lines, flushes at least
// every flushInterval, and flushes and closes the file when the queue
// closes.
func (l *Logger) run(r *rotator) {
	defer close(l.done)
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	for {
		select {
		case q, ok := <-l.queue:
			if !ok {
				if err := r.closeFile(); err != nil {
					r.fail(err)
					l.err = err
				}
				return
			}
			r.write(q.at, q.line)
		case <-tick.C:
			r.flush()
		}
	}
}

// enqueue hands a formatted line to the writer without waiting.
func (l *Logger) enqueue(rec *record) {
	q := queued{at: rec.at, line: rec.appendTo(nil)}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return
	}
	select {
	case l.queue <- q:
	default:
		l.dropped.Add(1)
	}
}

// Close writes the queued lines, flushes and closes the file. Lines logged
// after Close are dropped. It returns the error of the final flush, if any.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.queue)
	}
	l.mu.Unlock()
	<-l.done
	return l.err
}

// Dropped returns how many lines were lost so far: queue full, disk
// failures, or logged after Close.
func (l *Logger) Dropped() uint64 {
	if l == nil {
		return 0
	}
	return l.dropped.Load()
}

// Session starts the log of one connection and writes its OpenSession
// line. id is the caller's session id (e.g. the connection id in hex, the
// same one the service log uses); local and remote are the server's and
// the client's endpoints (sIp and cIp; on a backend the client is the
// frontend). On a nil Logger it returns a nil *Session, which logs nothing.
func (l *Logger) Session(id string, local, remote netip.AddrPort) *Session {
	if l == nil {
		return nil
	}
	s := &Session{
		l:      l,
		id:     id,
		local:  endpoint(local),
		remote: endpoint(remote),
		start:  l.opts.Now(),
	}
	s.log(cmdOpen, "", "", 0, 0, 0)
	return s
}

// endpoint formats IP:port ([IPv6]:port), with IPv4-mapped addresses shown
// as IPv4; an unset endpoint is empty.
func endpoint(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return ""
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String()
}
