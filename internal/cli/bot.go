package cli

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"strconv"
	"strings"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/bot"
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
	micGain := fs.Float64("mic-gain", 0, "make the synthetic speech louder or quieter by this many dB (e.g. -15 for a quiet microphone)")
	roomEcho := fs.String("room-echo", "", "simulate a room: what the bot plays comes back into its microphone after DELAY at GAIN, e.g. 80ms,-3dB")
	aec := fs.String("aec", "auto", "echo cancellation: on, off, or auto (on for speech and silence, off for the tone)")
	ns := fs.String("ns", "auto", "noise suppression: on, off or auto")
	agc := fs.String("agc", "auto", "automatic gain: on, off or auto")
	screenMode := fs.String("screen", "none", "none, fake (a synthetic 1920×1080 screen) or a screen's ID (X11Screen0…)")
	profile := videoFlags(fs)
	fs.BoolVar(&cfg.Play, "play", true, "play what it hears (to the null device when there is no sound card)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long to stay (default: until interrupted)")
	statsPath := fs.String("stats", "", "write JSON stats here on exit (- for stdout)")
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	secret := e2eeFlag(fs)
	trust := caCertFlag(fs)
	reportEvery := reportFlag(fs)
	fs.Var((*texts)(&cfg.Say), "say", "send this chat message once someone else is in the call (repeatable, in order)")
	fs.Var((*texts)(&cfg.SayDuringOutage), "say-during-outage", "send this chat message the first time the call goes reconnecting (repeatable): it must arrive once the link is back")
	fs.BoolVar(&cfg.RaiseHand, "raise-hand", false, "raise the bot's hand once joined")
	tile := fs.String("tile", "", "show every remote camera at this size, WxH, as a window's tile does: the server sends the layer that fits (default: the full layer)")
	uplinkFloor := fs.Int("uplink-floor", 0, "kbit/s the congestion control never estimates below (for benches whose senders share one machine; 0: its own floor)")
	if err := parse(fs, env.Args); err != nil {
		return err
	}
	cfg.E2EE = secret()
	cfg.UplinkFloor = max(*uplinkFloor, 0) * 1000
	if err := trust(); err != nil {
		return err
	}
	var err error
	if cfg.Tile, err = parseTile(*tile); err != nil {
		return err
	}
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
	if err := requireFlags(env, "bot",
		need{"server", cfg.Server, "the room server's address, such as ws://192.168.1.20:7880 or 192.168.1.20:7880"},
		need{"room", cfg.Room, "the ID of the room to join"},
		need{"name", cfg.Name, "the name the others see"}); err != nil {
		return err
	}
	if cfg.User == "" {
		cfg.User = app.UserIDFromName(cfg.Name, rand.Text()[:6])
	}
	if cfg.Audio, cfg.Microphone, err = microphone(*audioMode, *noise, *micGain, cfg.User); err != nil {
		return err
	}
	if cfg.Profile, err = profile(); err != nil {
		return err
	}
	cfg.Transport = livekit.Factory
	if cfg.Log, err = newLogger(env.Stderr, *logLevel, cfg.Password, cfg.Token, cfg.APISecret, cfg.E2EE.Passphrase()); err != nil {
		return err
	}
	bot.UseFakeDevices()

	ctx, stop := signalContext()
	defer stop()
	startReports(ctx, env.Stderr, *reportEvery)
	stats, runErr := bot.Run(ctx, cfg)
	if err := writeStats(env, *statsPath, stats); err != nil {
		return err
	}
	return runErr
}

// texts is a repeatable string flag.
type texts []string

func (t *texts) String() string { return strings.Join(*t, ", ") }

func (t *texts) Set(v string) error {
	if err := app.CheckChat(v); err != nil {
		return err
	}
	*t = append(*t, v)
	return nil
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

// maxTile bounds --tile's sides: larger than any screen's.
const maxTile = 16384

// parseTile reads --tile: "" for none, else WIDTHxHEIGHT in pixels.
func parseTile(s string) (image.Point, error) {
	if s == "" {
		return image.Point{}, nil
	}
	w, h, ok := strings.Cut(s, "x")
	x, errW := strconv.Atoi(w)
	y, errH := strconv.Atoi(h)
	if !ok || errW != nil || errH != nil || x <= 0 || y <= 0 || x > maxTile || y > maxTile {
		return image.Point{}, fmt.Errorf("--tile %q: want a size in pixels such as 556x313", s)
	}
	return image.Point{X: x, Y: y}, nil
}
