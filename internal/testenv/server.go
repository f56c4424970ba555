// Package testenv starts the real parts tests run against: a LiveKit node
// on random loopback ports, and a goroutine leak check that follows every
// goroutine a piece of code started, however deep.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"confer/app/host"
)

// Keys used by test servers.
var Keys = host.Keys{APIKey: "APIconfertest", APISecret: strings.Repeat("t", 40)}

// StartServer runs an in-process room server on random loopback ports and
// stops it when the test ends.
func StartServer(t testing.TB, mod ...func(*host.Config)) *host.Server {
	t.Helper()
	cfg := host.Config{Keys: Keys, Log: QuietLog(), LogLevel: "fatal"}
	if os.Getenv("CONFER_TEST_LOG") != "" {
		cfg.LogLevel = "debug"
	}
	for _, m := range mod {
		m(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := host.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("room server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// QuietLog discards everything, unless CONFER_TEST_LOG is set, when it
// writes everything to stderr.
func QuietLog() *slog.Logger {
	if os.Getenv("CONFER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
