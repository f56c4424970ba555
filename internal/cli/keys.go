package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"confer/app/roomkeys"
)

// What the room server's command (package servecmd, linked only into
// confer-server; NewLogger is in gui.go) shares with the other commands.

// LogLevelName is the level named by --log-level or CONFER_LOG.
func LogLevelName(flag string) string { return logLevelName(flag) }

// SignalContext ends on SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) { return signalContext() }

// ReportFlag adds --report-every.
func ReportFlag(fs *flag.FlagSet) *time.Duration { return reportFlag(fs) }

// StartReports writes a report line to w every interval until ctx ends.
func StartReports(ctx context.Context, w io.Writer, every time.Duration) { startReports(ctx, w, every) }

// ResolveKeys is resolveKeys: the flags' keys, else the stored ones, and
// where they came from.
func ResolveKeys(key, secret string) (roomkeys.Keys, string, error) { return resolveKeys(key, secret) }

// resolveKeys uses the flags when both are given, else the stored keys.
func resolveKeys(key, secret string) (roomkeys.Keys, string, error) {
	switch {
	case key != "" && secret != "":
		return roomkeys.Keys{APIKey: key, APISecret: secret}, "from flags", nil
	case secret == "" && key != "":
		return roomkeys.Keys{}, "", fmt.Errorf("--api-key needs --api-secret too (or give neither, to use the stored keys)")
	case key == "" && secret != "":
		return roomkeys.Keys{}, "", fmt.Errorf("--api-secret needs --api-key too (or give neither, to use the stored keys)")
	}
	k, err := roomkeys.LoadOrCreateKeys()
	if err != nil {
		return roomkeys.Keys{}, "", fmt.Errorf("cannot read or create the server keys: %w", err)
	}
	path, _ := roomkeys.KeysPath()
	return k, "kept in " + path, nil
}
