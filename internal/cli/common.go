// Package cli implements Confer's subcommands. main only dispatches.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"confer/app/livekit"
)

// ErrUsage means the command line was wrong; the message is already printed.
var ErrUsage = errors.New("usage")

// ErrChecked ends a command after its arguments parsed, when
// CONFER_CHECK_ARGS is set: the docs test runs every documented command
// line this way, so an example with a flag that no longer exists fails.
var ErrChecked = errors.New("arguments checked")

// Env is what a subcommand gets from main.
type Env struct {
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
}

// newFlags makes a flag set that prints its usage to stderr and returns errors.
func newFlags(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: confer %s %s\n\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrUsage
		}
		return ErrUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		return ErrUsage
	}
	if os.Getenv("CONFER_CHECK_ARGS") != "" {
		return ErrChecked
	}
	return nil
}

// newLogger builds the process logger: text on stderr, level from
// --log-level or CONFER_LOG (debug, info, warn, error).
func newLogger(w io.Writer, level string) *slog.Logger {
	if level == "" {
		level = os.Getenv("CONFER_LOG")
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelWarn
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
	livekit.SetLibraryLogger(log)
	return log
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
