package cli

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/bot"
	"confer/media"
)

// Bot runs `confer bot`: a headless participant that writes JSON stats.
func Bot(env Env) error {
	fs := newFlags(env, "bot", "--server URL --room R --name N [flags]")
	var cfg bot.Config
	fs.StringVar(&cfg.Server, "server", "", "server URL (ws://host:port or host:port)")
	fs.StringVar(&cfg.Room, "room", "", "room ID")
	fs.StringVar(&cfg.Name, "name", "", "display name")
	fs.StringVar(&cfg.User, "user", "", "user ID (default: from the name, with a random suffix)")
	fs.StringVar(&cfg.Password, "password", "", "the server's join password")
	fs.StringVar(&cfg.Token, "token", "", "access token (instead of asking the server)")
	fs.StringVar(&cfg.APIKey, "api-key", "", "API key, to make a token locally")
	fs.StringVar(&cfg.APISecret, "api-secret", "", "API secret, to make a token locally")
	videoMode := fs.String("video", "fake", "fake or none")
	audioMode := fs.String("audio", "fake", "fake (a tone with clicks), speech (spoken phrases), silence or none")
	noise := fs.Float64("noise", 0, "add pink noise at this level (dBFS, e.g. -30) to the microphone; 0 for none")
	roomEcho := fs.String("room-echo", "", "simulate a room: what the bot plays comes back into its microphone after DELAY at GAIN, e.g. 80ms,-3dB")
	aec := fs.String("aec", "auto", "echo cancellation: on, off, or auto (on for speech and silence, off for the tone)")
	ns := fs.String("ns", "auto", "noise suppression: on, off or auto")
	agc := fs.String("agc", "auto", "automatic gain: on, off or auto")
	screenMode := fs.String("screen", "none", "none, fake (a synthetic 1920×1080 screen) or a screen's ID (X11Screen0…)")
	p := media.DefaultVideo
	fs.IntVar(&p.Width, "width", p.Width, "camera width")
	fs.IntVar(&p.Height, "height", p.Height, "camera height")
	fs.IntVar(&p.FPS, "fps", p.FPS, "camera frame rate")
	fs.IntVar(&p.BitrateKbps, "bitrate", p.BitrateKbps, "video bitrate, kbit/s")
	fs.BoolVar(&cfg.Play, "play", true, "play what it hears (to the null device when there is no sound card)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long to stay (default: until interrupted)")
	statsPath := fs.String("stats", "", "write JSON stats here on exit (- for stdout)")
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	secret := e2eeFlag(fs)
	if err := parse(fs, env.Args); err != nil {
		return err
	}
	cfg.E2EE = secret()
	var err error
	if cfg.Video, err = fakeOrNone("video", *videoMode); err != nil {
		return err
	}
	if cfg.Processing, err = processing(*aec, *ns, *agc, *audioMode != "fake"); err != nil {
		return err
	}
	if cfg.RoomEcho, err = parseRoomEcho(*roomEcho); err != nil {
		return err
	}
	if cfg.RoomEcho != nil && !cfg.Play {
		return fmt.Errorf("--room-echo needs --play: the room echoes what the bot plays")
	}
	switch *screenMode {
	case "none":
	case "fake":
		cfg.Screen = true
	default:
		cfg.Screen, cfg.ScreenID = true, *screenMode
	}
	if cfg.Server == "" || cfg.Room == "" || cfg.Name == "" {
		fs.Usage()
		return ErrUsage
	}
	if cfg.User == "" {
		cfg.User = app.UserIDFromName(cfg.Name, rand.Text()[:6])
	}
	if cfg.Audio, cfg.Microphone, err = microphone(*audioMode, *noise, cfg.User); err != nil {
		return err
	}
	cfg.Profile = p
	cfg.Transport = livekit.Factory
	cfg.Log = newLogger(env.Stderr, *logLevel)
	bot.UseFakeDevices()

	ctx, stop := signalContext()
	defer stop()
	stats, runErr := bot.Run(ctx, cfg)
	if err := writeStats(env, *statsPath, stats); err != nil {
		return err
	}
	return runErr
}

func fakeOrNone(what, v string) (bool, error) {
	switch v {
	case "fake":
		return true, nil
	case "none":
		return false, nil
	}
	return false, fmt.Errorf("--%s must be fake or none, not %q", what, v)
}

func writeStats(env Env, path string, st *bot.Stats) error {
	if path == "" || st == nil {
		return nil
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if path == "-" {
		_, err = env.Stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
