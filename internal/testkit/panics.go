package testkit

import (
	"context"
	"log/slog"
	"testing"
)

// panicCatcher fails the test when the server logs a recovered panic:
// netserve recovers a panicking session so the server goes on, but a
// panic is a bug (STYLE.md principle 7).
type panicCatcher struct {
	slog.Handler
	t testing.TB
}

func (h panicCatcher) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "panic in session" {
		h.t.Errorf("a session panicked: %v", r)
	}
	return h.Handler.Handle(ctx, r)
}

func (h panicCatcher) WithAttrs(as []slog.Attr) slog.Handler {
	return panicCatcher{h.Handler.WithAttrs(as), h.t}
}

func (h panicCatcher) WithGroup(name string) slog.Handler {
	return panicCatcher{h.Handler.WithGroup(name), h.t}
}
