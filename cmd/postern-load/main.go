// Command postern-load is Postern's load generator: it drives a POP3,
// IMAP4 or LMTP server (Postern, Dovecot, any other) with N concurrent,
// checking clients and prints throughput, p50/p99 latency and errors
// (idle-conns: memory per idle IMAP connection and the delay from a
// delivery to the EXISTS an idle client reads). A run with
// errors exits with status 1 unless -allow-errors is given, so a broken
// server (or a broken generator) cannot pass for a fast one.
//
//	postern-load -workload pop3-fetch -addr 127.0.0.1:10995 -ca data/certs/mail.test.crt \
//	    -users 'user%d@mail.test:secret' -nusers 20 -clients 4 -duration 20s
//	postern-load -workload idle-conns -addr 127.0.0.1:10993 -ca data/certs/mail.test.crt \
//	    -users 'user%d@mail.test:secret' -nusers 20 -idle-conns 200 -lmtp 127.0.0.1:10024 \
//	    -server-pid "$(pgrep -o postern)" -ops 40 -clients 4
//	postern-load -report results.jsonl -a postern -b dovecot
//
// The protocol clients and workloads live in internal/loadgen; bench/compare
// runs this command against Postern and Dovecot and prints a comparison.
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/postern/postern/internal/directory"
	"github.com/postern/postern/internal/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the exit status: 0 success, 1 errors during the run (or a
// failed run), 2 bad usage.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("postern-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		workload = fs.String("workload", "", "workload: "+strings.Join(loadgen.Workloads(), ", "))
		addr     = fs.String("addr", "", "server host:port")
		tlsMode  = fs.String("tls", "implicit", "implicit, starttls or none (deliver and seed always use none)")
		ca       = fs.String("ca", "", "PEM file of the CA (or self-signed certificate) to trust")
		sni      = fs.String("servername", "", "TLS server name to verify (default: the host of -addr)")
		users    = fs.String("users", "", "users: a file of address:password lines, or a pattern like user%d@mail.test:secret")
		nusers   = fs.Int("nusers", 0, "number of users (required with a pattern; with a file, keep the first N)")
		clients  = fs.Int("clients", 1, "concurrent clients")
		duration = fs.Duration("duration", 0, "run for this long (e.g. 20s)")
		ops      = fs.Int64("ops", 0, "run this many operations (the first of -duration and -ops reached ends the run; idle-conns: deliveries)")
		timeout  = fs.Duration("timeout", 30*time.Second, "bound on every network wait")
		exact    = fs.Bool("exact-sizes", true, "pop3-fetch: each RETR must have exactly the size LIST announced")
		expect   = fs.Int("expect-messages", 0, "pop3-fetch, imap-fetch: every mailbox must hold this many messages (0: no check)")
		size     = fs.Int("size", 16384, "append, smtp-submit: size in octets of every appended or submitted message")
		perSess  = fs.Int("per-session", 1, "smtp-submit: messages each session sends before QUIT")
		idle     = fs.Int("idle-conns", 100, "idle-conns: connections held in IDLE")
		lmtpAddr = fs.String("lmtp", "", "idle-conns: LMTP host:port to deliver to")
		pid      = fs.Int("server-pid", 0, "idle-conns: root process id of the server, whose process tree's memory is measured")
		settle   = fs.Duration("mem-settle", 40*time.Second, "idle-conns: longest wait for the server's memory to settle before each sample")
		seed     = fs.Int64("seed", 1, "seed of the generated messages")
		perUser  = fs.Int("messages", 10, "seed: messages per user")
		rcpts    = fs.Int("rcpts", 1, "deliver, smtp-submit: recipients per transaction")
		from     = fs.String("from", "loadgen@mail.test", "deliver, seed: envelope sender")
		asJSON   = fs.Bool("json", false, "print the result as one JSON object")
		label    = fs.String("label", "", "server label recorded in the JSON result")
		round    = fs.Int("round", 0, "round number recorded in the JSON result")
		allowErr = fs.Bool("allow-errors", false, "exit 0 even if operations failed")
		report   = fs.String("report", "", "instead of a run: read JSON results from this file and print a comparison table")
		labelA   = fs.String("a", "postern", "-report: label of the first server")
		labelB   = fs.String("b", "dovecot", "-report: label of the second server")
		hashPW   = fs.Bool("argon2id", false, "instead of a run: print the argon2id PHC hash of the password on stdin, with Postern's cost (for another server's user list)")
	)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *report != "" {
		return printReport(*report, *labelA, *labelB, stdout, stderr)
	}
	if *hashPW {
		return printHash(os.Stdin, stdout, stderr)
	}
	o := loadgen.Options{
		Workload: *workload, Addr: *addr, Clients: *clients, Duration: *duration, Ops: *ops,
		Timeout: *timeout, ExactSizes: *exact, ExpectMessages: *expect, Seed: *seed,
		MessagesPerUser: *perUser, Recipients: *rcpts, From: *from,
		MessageSize: *size, PerSession: *perSess, IdleConns: *idle, LMTPAddr: *lmtpAddr, ServerPID: *pid, MemSettle: *settle,
	}
	var err error
	if o.TLS, err = loadgen.ParseTLSMode(*tlsMode); err != nil {
		fmt.Fprintln(stderr, "postern-load:", err)
		return 2
	}
	if *workload == "deliver" || *workload == "seed" {
		o.TLS = loadgen.TLSNone
	}
	if o.TLS != loadgen.TLSNone {
		if o.TLSConfig, err = clientTLS(*ca, *sni, *addr); err != nil {
			fmt.Fprintln(stderr, "postern-load:", err)
			return 2
		}
	}
	if *users == "" {
		fmt.Fprintln(stderr, "postern-load: -users is required")
		return 2
	}
	if o.Users, err = loadgen.ParseUsers(*users, *nusers); err != nil {
		fmt.Fprintln(stderr, "postern-load:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadgen.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "postern-load:", err)
		if errors.Is(err, context.Canceled) {
			return 1
		}
		return 2
	}
	res.Label, res.Round = *label, *round
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(b))
		for _, e := range res.ErrorSamples {
			fmt.Fprintf(stderr, "postern-load: %s: error x%d: %s\n", res.Workload, e.Count, e.Text)
		}
	} else {
		fmt.Fprintln(stdout, res)
	}
	if res.Errors > 0 && !*allowErr {
		fmt.Fprintf(stderr, "postern-load: %d operations failed\n", res.Errors)
		return 1
	}
	if res.Ops == 0 && res.Errors == 0 {
		fmt.Fprintln(stderr, "postern-load: no operation completed")
		return 1
	}
	return 0
}

// clientTLS trusts the CA in caFile (the system roots if empty) and
// verifies the name sni, or the host of addr.
func clientTLS(caFile, sni, addr string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: sni}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("-addr %q: %w", addr, err)
		}
		cfg.ServerName = host
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = x509.NewCertPool()
		if !cfg.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no certificate in %s", caFile)
		}
	}
	return cfg, nil
}

func printReport(file, a, b string, stdout, stderr io.Writer) int {
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "postern-load:", err)
		return 2
	}
	defer f.Close()
	results, err := loadgen.ReadResults(f)
	if err != nil {
		fmt.Fprintln(stderr, "postern-load:", err)
		return 2
	}
	loadgen.WriteTable(stdout, loadgen.Compare(results, a, b), title(a), title(b))
	return 0
}

// printHash reads one password line and prints its hash as Postern
// stores it (same algorithm and cost), so that a comparison's other server
// verifies passwords at the same price.
func printHash(stdin io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(stderr, "postern-load: no password on stdin")
		return 2
	}
	phc, err := directory.HashPassword(strings.TrimRight(line, "\r\n"), directory.DefaultHashParams())
	if err != nil {
		fmt.Fprintln(stderr, "postern-load:", err)
		return 1
	}
	fmt.Fprintln(stdout, phc)
	return 0
}

// title capitalises a label for a column heading.
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
