package cli

import (
	"fmt"
	"io"
	"strings"

	"confer/app"
	"log/slog"

	"confer/ui"
)

// GUIFlags reads the desktop app's flags.
func GUIFlags(env Env) (opts ui.Options, logLevel string, fake bool, err error) {
	// An invite link first (how the desktop opens them), flags after it.
	args := env.Args
	if len(args) > 0 && strings.HasPrefix(args[0], app.InviteScheme+"://") {
		if opts.Server, opts.Room, err = app.ParseInvite(args[0]); err != nil {
			return opts, "", false, err
		}
		args = args[1:]
	}
	fs := newFlags(env, "", "[confer://join?server=…&room=…] [--server URL] [--room R] [--name N] [--password P] [--join] [--camera on|off] [--microphone on|off] [--fake-devices]")
	fs.StringVar(&opts.Server, "server", opts.Server, "server to join (pre-fills the lobby)")
	fs.StringVar(&opts.Room, "room", opts.Room, "room ID")
	fs.StringVar(&opts.Name, "name", "", "your name")
	fs.StringVar(&opts.Password, "password", "", "the server's join password")
	fs.StringVar(&opts.Token, "token", "", "an access token instead of a password")
	fs.BoolVar(&opts.Join, "join", false, "join at once")
	fs.StringVar(&opts.Camera, "camera", "", "on or off: start with the camera on or off (default: as last time)")
	fs.StringVar(&opts.Microphone, "microphone", "", "on or off: start with the microphone on or off (default: as last time)")
	fs.BoolVar(&fake, "fake-devices", false, "use a synthetic camera and microphone")
	fs.StringVar(&opts.StatePath, "state-file", "", "write the window's state here as JSON (for tests)")
	fs.StringVar(&logLevel, "log-level", "", "debug, info, warn or error")
	if err = parse(fs, args); err != nil {
		return opts, logLevel, fake, err
	}
	for flag, v := range map[string]string{"camera": opts.Camera, "microphone": opts.Microphone} {
		if v != "" && v != "on" && v != "off" {
			return opts, logLevel, fake, fmt.Errorf("--%s must be on or off, not %q", flag, v)
		}
	}
	return opts, logLevel, fake, nil
}

// NewLogger is the process logger for the desktop app.
func NewLogger(w io.Writer, level string) *slog.Logger { return newLogger(w, level) }
