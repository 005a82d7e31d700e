package smtp

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/postern/postern/internal/smtp/wire"
)

// Defaults of LMTPOptions.
const (
	DefaultMaxMessageSize = 36 << 20 // as Exchange's default receive limit
	DefaultMaxRecipients  = 200
	DefaultMaxLineLength  = 4096
	DefaultLMTPTimeout    = 5 * time.Minute // RFC 5321 4.5.3.2.7
	DefaultSpoolThreshold = 1 << 20
	DefaultMaxErrors      = 20
	// MinLineLength is the shortest command line a server must accept,
	// 512 octets with CRLF (RFC 5321 4.5.3.1.4).
	MinLineLength = 510
)

// LMTPOptions configures an LMTPServer. Zero fields take the defaults.
type LMTPOptions struct {
	// Hostname names this server in the greeting, the LHLO reply and the
	// Received header field. Default: os.Hostname().
	Hostname string
	// MaxMessageSize is the largest message accepted, in octets as
	// received (RFC 1870 4); it is advertised as SIZE. Default 36 MiB.
	MaxMessageSize int64
	// MaxRecipients is the most RCPTs accepted per transaction; more get
	// 452 4.5.3 (RFC 5321 4.5.3.1.10). Default 200.
	MaxRecipients int
	// MaxLineLength is the longest command line, without CRLF; at least
	// MinLineLength. Default 4096.
	MaxLineLength int
	// Timeout bounds the wait for each command line, each read of a DATA
	// body, each write, and each delivery. Default 5 minutes.
	Timeout time.Duration
	// SpoolDir holds temporary files for bodies larger than
	// SpoolThreshold. They are unlinked as soon as they are created, so a
	// crash leaves nothing behind. Default os.TempDir().
	SpoolDir string
	// SpoolThreshold is the largest body kept in memory. Default 1 MiB.
	SpoolThreshold int64
	// MaxErrors is the number of rejected commands (replies 500-504)
	// after which the session answers 421 4.7.0 and closes. Default 20.
	MaxErrors int
	// Deliverer receives accepted mail. Required.
	Deliverer Deliverer
	// Logger gets session events; nil discards them.
	Logger *slog.Logger
}

// withDefaults returns o with zero fields filled in.
func (o LMTPOptions) withDefaults() LMTPOptions {
	if o.Hostname == "" {
		if h, err := os.Hostname(); err == nil {
			o.Hostname = h
		}
	}
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.MaxRecipients == 0 {
		o.MaxRecipients = DefaultMaxRecipients
	}
	if o.MaxLineLength == 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultLMTPTimeout
	}
	if o.SpoolDir == "" {
		o.SpoolDir = os.TempDir()
	}
	if o.SpoolThreshold == 0 {
		o.SpoolThreshold = DefaultSpoolThreshold
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Validate checks o after defaults are applied.
func (o LMTPOptions) Validate() error {
	var errs []error
	if _, err := wire.ParseHelloName(o.Hostname); err != nil {
		errs = append(errs, fmt.Errorf("Hostname %q is not a host name", o.Hostname))
	}
	if o.MaxMessageSize < 0 {
		errs = append(errs, errors.New("MaxMessageSize must be positive"))
	}
	if o.MaxRecipients < 0 {
		errs = append(errs, errors.New("MaxRecipients must be positive"))
	}
	if o.MaxLineLength < MinLineLength {
		errs = append(errs, fmt.Errorf("MaxLineLength must be at least %d", MinLineLength))
	}
	if o.Timeout < 0 {
		errs = append(errs, errors.New("Timeout must be positive"))
	}
	if o.SpoolThreshold < 0 {
		errs = append(errs, errors.New("SpoolThreshold must be positive"))
	}
	if o.MaxErrors < 0 {
		errs = append(errs, errors.New("MaxErrors must be positive"))
	}
	if fi, err := os.Stat(o.SpoolDir); err != nil || !fi.IsDir() {
		errs = append(errs, fmt.Errorf("SpoolDir %q is not a directory", o.SpoolDir))
	}
	if o.Deliverer == nil {
		errs = append(errs, errors.New("Deliverer is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("smtp: LMTP options: %w", err)
	}
	return nil
}
