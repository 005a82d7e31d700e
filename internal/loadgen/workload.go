package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// TLSMode says how a client secures its connection.
type TLSMode int

const (
	// TLSImplicit starts TLS with the first byte (POP3S 995, IMAPS 993).
	TLSImplicit TLSMode = iota
	// TLSStartTLS reads the greeting, then upgrades (POP3 STLS, IMAP and
	// SMTP STARTTLS).
	TLSStartTLS
	// TLSNone stays in plaintext (LMTP on loopback).
	TLSNone
)

// ParseTLSMode reads "implicit", "starttls" or "none".
func ParseTLSMode(s string) (TLSMode, error) {
	switch strings.ToLower(s) {
	case "implicit":
		return TLSImplicit, nil
	case "starttls":
		return TLSStartTLS, nil
	case "none":
		return TLSNone, nil
	}
	return 0, fmt.Errorf("loadgen: TLS mode %q is not implicit, starttls or none", s)
}

// Options configure a run. Zero values take the defaults noted.
type Options struct {
	// Workload is the registered name of the workload (Workloads lists
	// them).
	Workload string
	// Addr is the server's host:port.
	Addr string
	// TLS is how connections are secured; TLSConfig (with the CA to trust
	// and the server name) is required unless TLS is TLSNone. No session
	// cache is set, so every connection makes a full handshake.
	TLS       TLSMode
	TLSConfig *tls.Config
	// Users are the accounts used, in order.
	Users []User
	// Clients is the number of concurrent clients. Default 1.
	Clients int
	// Duration bounds the run in time and Ops in operations; at least one
	// must be set, and the run stops at the first reached. A workload
	// with a natural end (seed) ignores both.
	Duration time.Duration
	Ops      int64
	// Timeout bounds every network wait. Default 30s.
	Timeout time.Duration

	// ExactSizes makes pop3-fetch require each RETR's octet count to
	// equal the size LIST gave for that message (RFC 1939 §5 only asks
	// for an approximation; Postern and Dovecot both give exact sizes).
	ExactSizes bool
	// ExpectMessages, if positive, is the number of messages STAT must
	// report in every mailbox (pop3-fetch).
	ExpectMessages int

	// Seed makes the generated messages; the same seed gives the same
	// bytes. MessagesPerUser is how many seed delivers to each user
	// (default 10). Recipients is the number of recipients per deliver
	// transaction (default 1). From is the envelope sender (default
	// loadgen@mail.test).
	Seed            int64
	MessagesPerUser int
	Recipients      int
	From            string

	// MessageSize is the size in octets of every message append appends
	// and smtp-submit submits (default 16384, at least 512).
	MessageSize int
	// PerSession is how many messages an smtp-submit session sends
	// before QUIT (default 1).
	PerSession int
	// IdleConns is how many connections idle-conns holds in IDLE
	// (default 100).
	IdleConns int
	// LMTPAddr is the host:port idle-conns delivers to (plaintext LMTP).
	LMTPAddr string
	// ServerPID is the root of the server's process tree, whose memory
	// idle-conns measures in /proc (0: not measured).
	ServerPID int
	// MemSettle bounds how long idle-conns waits for the server's memory
	// to settle before each sample (default 40s); a sample taken at the
	// bound is marked unsteady. Tests whose server shares the process
	// with other work set it short.
	MemSettle time.Duration
}

// Workload is one kind of load. It makes a Worker per client; the runner
// calls the Worker's Do once per operation, from one goroutine.
type Workload interface {
	// Metric names the throughput a comparison ranks on: "ops/s",
	// "messages/s".
	Metric() string
	// NewWorker returns client i of n.
	NewWorker(i, n int) Worker
	// Bounded reports whether the workload decides its own number of
	// operations (seed: one per user), ignoring Duration and Ops.
	Bounded() (ops int64, ok bool)
}

// Worker runs operations for one client.
type Worker interface {
	// Do runs operation k (numbered from 0 across all clients). On error
	// the worker closes whatever connection it holds; the next Do starts
	// afresh.
	Do(ctx context.Context, k int64) (Counts, error)
	// Close releases the worker's connections.
	Close()
}

// Counts is what one successful operation moved.
type Counts struct {
	// Messages retrieved, delivered or appended (a delivery to R
	// recipients counts R), and the octets moved.
	Messages int64
	Bytes    int64
	// Latency, when positive, is recorded for the operation instead of
	// its duration (idle-conns: delivery acknowledged to EXISTS read).
	Latency time.Duration
}

// preparer is a Workload with work before its clients start and after
// they end (append reads back what it appended; idle-conns opens and
// closes its idle connections and measures the server's memory). The
// runner calls Prepare, runs the clients, calls Finish, summarizes, and
// calls Report on the summary. Failures Prepare and Finish record in cs
// are errors of the run; an error Prepare returns ends the run.
type preparer interface {
	Prepare(ctx context.Context, cs *clientStats) error
	Finish(ctx context.Context, cs *clientStats)
	Report(r *Result)
}

// workloads is the registry: name → constructor. IMAP and SMTP
// workloads add their line here.
var workloads = map[string]func(o *Options) (Workload, error){
	"pop3-fetch":  newPOP3Fetch,
	"pop3-login":  newPOP3Login,
	"deliver":     newDeliver,
	"seed":        newSeed,
	"imap-fetch":  newIMAPFetch,
	"imap-mixed":  newIMAPMixed,
	"imap-login":  newIMAPLogin,
	"append":      newAppend,
	"idle-conns":  newIdleConns,
	"smtp-submit": newSMTPSubmit,
}

// Workloads returns the registered workload names, sorted.
func Workloads() []string {
	names := make([]string, 0, len(workloads))
	for n := range workloads {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Validate checks the options and fills in defaults.
func (o *Options) Validate() error {
	if _, ok := workloads[o.Workload]; !ok {
		return fmt.Errorf("loadgen: unknown workload %q (have %s)", o.Workload, strings.Join(Workloads(), ", "))
	}
	if o.Addr == "" {
		return errors.New("loadgen: no server address")
	}
	if o.TLS != TLSNone && o.TLSConfig == nil {
		return errors.New("loadgen: TLS needs a configuration (the CA to trust)")
	}
	if len(o.Users) == 0 {
		return errors.New("loadgen: no users")
	}
	if o.Clients == 0 {
		o.Clients = 1
	}
	if o.Clients < 0 || o.Clients > 10000 {
		return fmt.Errorf("loadgen: %d clients out of range 1-10000", o.Clients)
	}
	if o.Duration < 0 || o.Ops < 0 {
		return errors.New("loadgen: negative duration or operation count")
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MessagesPerUser == 0 {
		o.MessagesPerUser = 10
	}
	if o.Recipients == 0 {
		o.Recipients = 1
	}
	if o.Recipients < 0 || o.Recipients > len(o.Users) || o.MessagesPerUser < 0 || o.MessagesPerUser > 100000 {
		return errors.New("loadgen: recipients or messages per user out of range")
	}
	if o.From == "" {
		o.From = "loadgen@mail.test"
	}
	if o.MessageSize == 0 {
		o.MessageSize = 16384
	}
	if o.IdleConns == 0 {
		o.IdleConns = 100
	}
	if o.PerSession == 0 {
		o.PerSession = 1
	}
	if o.MemSettle == 0 {
		o.MemSettle = memMax
	}
	if o.PerSession < 0 || o.PerSession > 1000000 {
		return errors.New("loadgen: messages per session out of range (1-1000000)")
	}
	if o.MessageSize < 512 || o.MessageSize > 64<<20 || o.IdleConns < 0 || o.IdleConns > 100000 || o.ServerPID < 0 || o.MemSettle < 0 {
		return errors.New("loadgen: message size (512 B-64 MiB), idle connections (1-100000) or server pid out of range")
	}
	return nil
}
