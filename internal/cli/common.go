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
	"syscall"

	"confer/app/livekit"
	"confer/internal/logs"
)

// ErrUsage means the command line was wrong; the message is already printed.
var ErrUsage = errors.New("usage")

// ErrChecked ends a command after its arguments parsed, when
// CONFER_CHECK_ARGS is set: the docs test runs every documented command
// line this way, so an example with a flag that no longer exists fails.
var ErrChecked = errors.New("arguments checked")

// Env is what a subcommand gets from main.
type Env struct {
	Prog   string // the program's name in messages; "" for confer
	Args   []string
	Stdout io.Writer
	Stderr io.Writer
}

func (e Env) prog() string {
	if e.Prog == "" {
		return "confer"
	}
	return e.Prog
}

// NewFlags makes a flag set that prints its usage to stderr and returns errors.
func NewFlags(env Env, name, synopsis string) *flag.FlagSet { return newFlags(env, name, synopsis) }

func newFlags(env Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "usage: %s %s %s\n\n", env.prog(), name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// Parse reads args into fs: ErrUsage when they do not fit (the message is
// printed), ErrChecked when CONFER_CHECK_ARGS is set.
func Parse(fs *flag.FlagSet, args []string) error { return parse(fs, args) }

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

// newLogger builds the process logger: text on w, at the level of
// --log-level or else CONFER_LOG (warn when neither is set), with none of
// secrets and no access token in what it writes. The LiveKit SDK logs
// through it too.
func newLogger(w io.Writer, level string, secrets ...string) (*slog.Logger, error) {
	l, err := logLevel(level)
	if err != nil {
		return nil, err
	}
	log := logs.New(w, l, secrets...)
	livekit.SetLibraryLogger(log)
	return log, nil
}

// logLevel reads --log-level, or CONFER_LOG when the flag is empty.
func logLevel(flag string) (slog.Level, error) {
	source, name := "--log-level", flag
	if name == "" {
		source, name = "CONFER_LOG", os.Getenv("CONFER_LOG")
	}
	if name == "" {
		return slog.LevelWarn, nil
	}
	l, err := logs.ParseLevel(name)
	if err != nil || l == logs.LevelOff {
		return 0, fmt.Errorf("%s must be debug, info, warn or error, not %q", source, name)
	}
	return l, nil
}

// logLevelName is the level named by --log-level or CONFER_LOG, "" when
// neither is set.
func logLevelName(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("CONFER_LOG")
}

// signalContext ends on SIGINT or SIGTERM.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
