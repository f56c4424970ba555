package cli

import (
	"fmt"
	"io"
	"strings"

	"log/slog"

	"confer/app"
	"confer/media/capture"
)

// WindowOptions is what the window's command line asks for; main copies it
// into ui.Options. It is not ui.Options itself so that this package, which
// confer-server links too, does not link Fyne and OpenGL.
type WindowOptions struct {
	Server, Room, Name string
	Password, Token    string
	Join               bool
	Camera, Microphone string // "on", "off", or "" for as last time
	StatePath          string
	E2EE               app.E2EE
}

// GUIFlags reads the desktop app's flags. fake is "" for real devices, or
// what the synthetic microphone plays: "tone" or "speech".
func GUIFlags(env Env) (opts WindowOptions, logLevel string, fake string, err error) {
	// An invite link first (how the desktop opens them), flags after it.
	args := env.Args
	if len(args) > 0 && strings.HasPrefix(args[0], app.InviteScheme+"://") {
		inv, err := app.ParseInvite(args[0])
		if err != nil {
			return opts, "", "", err
		}
		opts.Server, opts.Room, opts.E2EE = inv.Server, inv.Room, inv.E2EE
		args = args[1:]
	}
	fs := newFlags(env, "", "[confer://join?server=…&room=…] [--server URL] [--room R] [--name N] [--password P] [--join] [--camera on|off] [--microphone on|off] [--fake-devices] [--e2ee-passphrase P]")
	fs.StringVar(&opts.Server, "server", opts.Server, "server to join (pre-fills the lobby)")
	fs.StringVar(&opts.Room, "room", opts.Room, "room ID")
	fs.StringVar(&opts.Name, "name", "", "your name")
	fs.StringVar(&opts.Password, "password", "", "the server's join password")
	fs.StringVar(&opts.Token, "token", "", "an access token instead of a password")
	fs.BoolVar(&opts.Join, "join", false, "join at once")
	fs.StringVar(&opts.Camera, "camera", "", "on or off: start with the camera on or off (default: as last time)")
	fs.StringVar(&opts.Microphone, "microphone", "", "on or off: start with the microphone on or off (default: as last time)")
	fakeDevices := fs.Bool("fake-devices", false, "use a synthetic camera and microphone")
	fakeMic := fs.String("fake-microphone", "tone", "with --fake-devices: what the synthetic microphone plays, tone or speech")
	fs.StringVar(&opts.StatePath, "state-file", "", "write the window's state here as JSON (for tests)")
	fs.StringVar(&logLevel, "log-level", "", "debug, info, warn or error")
	secret := e2eeFlag(fs)
	trust := caCertFlag(fs)
	if err = parse(fs, args); err != nil {
		return opts, logLevel, fake, err
	}
	if err = trust(); err != nil {
		return opts, logLevel, fake, err
	}
	if s := secret(); s.On() {
		opts.E2EE = s // the flag, or the environment, over the link's
	}
	for flag, v := range map[string]string{"camera": opts.Camera, "microphone": opts.Microphone} {
		if v != "" && v != "on" && v != "off" {
			return opts, logLevel, fake, fmt.Errorf("--%s must be on or off, not %q", flag, v)
		}
	}
	if *fakeMic != "tone" && *fakeMic != "speech" {
		return opts, logLevel, fake, fmt.Errorf("--fake-microphone must be tone or speech, not %q", *fakeMic)
	}
	if *fakeDevices {
		fake = *fakeMic
	}
	return opts, logLevel, fake, nil
}

// NewLogger is the process logger for the desktop app; secrets are kept
// out of it.
func NewLogger(w io.Writer, level string, secrets ...string) (*slog.Logger, error) {
	return newLogger(w, level, secrets...)
}

// RegisterFakeDevices adds the synthetic devices the window uses with
// --fake-devices; with "speech" the microphone that is chosen first speaks.
func RegisterFakeDevices(mic string) error {
	capture.RegisterFakeDevices()
	if mic != "speech" {
		return nil
	}
	s, err := speech("window")
	if err != nil {
		return err
	}
	capture.AddPreferredFakeMicrophone("speech", "Test speech microphone", s)
	return nil
}
