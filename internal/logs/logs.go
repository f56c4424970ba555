// Package logs builds Confer's loggers: one slog handler per process, with
// nothing secret in what it writes, adapted to the loggers LiveKit and pion
// take, so a single --log-level reaches them all.
package logs

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// LevelOff is above every level anything logs at: LiveKit's "fatal", which
// tests use to keep a room server quiet.
const LevelOff = slog.LevelError + 4

// ParseLevel reads a level by name: debug, info, warn, error, or fatal
// (nothing at all).
func ParseLevel(name string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	case "fatal", "panic", "off":
		return LevelOff, nil
	}
	return 0, fmt.Errorf("the log level must be debug, info, warn or error, not %q", name)
}

// New is a text logger on w at level that writes none of secrets and no
// access token (see Redact).
func New(w io.Writer, level slog.Level, secrets ...string) *slog.Logger {
	return slog.New(Redact(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}), secrets...))
}
