package main

import (
	"io"
	"log/slog"
	"time"
)

// newLogger is the server's logger: JSON lines on w. Durations are written as Go
// duration strings ("1.5s", "250ms"), which people and log queries read, rather
// than slog's default for JSON, an integer of nanoseconds.
func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: durationsAsText}))
}

// durationsAsText is a slog.HandlerOptions.ReplaceAttr that writes a time.Duration
// as its String.
func durationsAsText(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	if a.Value.Kind() == slog.KindAny {
		if d, ok := a.Value.Any().(time.Duration); ok {
			return slog.String(a.Key, d.String())
		}
	}
	return a
}
