package protolog

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Period is LogFileRollOverSettings: how often a new file starts when the
// files have no size quota. The values are Exchange's.
type Period int

// The rollover periods. Periods are in UTC; weeks start on Monday.
const (
	Hourly  Period = 1
	Daily   Period = 2
	Weekly  Period = 3
	Monthly Period = 4
)

// String returns the Exchange name of the period, e.g. "Hourly".
func (p Period) String() string {
	switch p {
	case Hourly:
		return "Hourly"
	case Daily:
		return "Daily"
	case Weekly:
		return "Weekly"
	case Monthly:
		return "Monthly"
	}
	return fmt.Sprintf("Period(%d)", int(p))
}

// Unlimited is the MaxFileSize that keeps one file forever
// (LogPerFileSizeQuota unlimited).
const Unlimited int64 = -1

// Options configures a Logger.
type Options struct {
	// Dir is LogFileLocation, the folder of the log files. It is created
	// (mode 0750) if missing. Frontend and backend services may share a
	// folder as long as their FilePrefix differs.
	Dir string
	// LogType is written in the "#Log-type:" header, e.g. "POP3 Protocol
	// Log" or "IMAP4 Protocol Log".
	LogType string
	// FilePrefix starts every file name, e.g. "POP3", "POP3BE", "IMAP4",
	// "IMAP4BE". Letters, digits, '-' and '_' only.
	FilePrefix string
	// RollOver is LogFileRollOverSettings, used only when MaxFileSize is 0.
	// Zero means Hourly, the Exchange 2016/2019 default.
	RollOver Period
	// MaxFileSize is LogPerFileSizeQuota in bytes: 0 rolls over by time
	// (RollOver); above 0 starts a new file when the next line would pass
	// the quota; Unlimited keeps a single file.
	MaxFileSize int64
	// Now returns the current time; nil means time.Now. It stamps records
	// and so decides time rollover; tests pass a fake clock.
	Now func() time.Time
	// ErrorLog receives disk failures, once per run of failures; nil
	// discards them.
	ErrorLog *slog.Logger
}

// Validate reports whether the options can be used.
func (o *Options) Validate() error {
	switch {
	case o.Dir == "":
		return errors.New("protolog: Options.Dir is empty")
	case o.LogType == "" || strings.ContainsAny(o.LogType, "\r\n"):
		return fmt.Errorf("protolog: invalid Options.LogType %q", o.LogType)
	case o.RollOver < 0 || o.RollOver > Monthly:
		return fmt.Errorf("protolog: invalid Options.RollOver %v", o.RollOver)
	case o.MaxFileSize < Unlimited:
		return fmt.Errorf("protolog: invalid Options.MaxFileSize %d", o.MaxFileSize)
	}
	for _, c := range o.FilePrefix {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("protolog: invalid Options.FilePrefix %q", o.FilePrefix)
		}
	}
	return nil
}

// withDefaults returns a copy with the zero values replaced by defaults.
func (o Options) withDefaults() Options {
	if o.RollOver == 0 {
		o.RollOver = Hourly
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ErrorLog == nil {
		o.ErrorLog = slog.New(slog.DiscardHandler)
	}
	return o
}
