package cli

import (
	"encoding/json"
	"os"
	"time"

	"confer/app/livekit"
	"confer/internal/load"
)

// Load runs `confer load`: many participants in one process against a
// server, with one shared encoder, and a report of what they saw.
func Load(env Env) error {
	fs := newFlags(env, "load", "--server URL --room R --publishers M --subscribers N [flags]")
	cfg := load.Config{}
	fs.StringVar(&cfg.Server, "server", "", "server URL (ws://host:port or host:port)")
	fs.StringVar(&cfg.Room, "room", "", "room ID")
	fs.IntVar(&cfg.Publishers, "publishers", 0, "participants who send video and audio (at most 100)")
	fs.IntVar(&cfg.Subscribers, "subscribers", 0, "participants who only receive (at most 400)")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long everyone stays once in (at most 10m)")
	fs.IntVar(&cfg.Width, "width", 320, "shared camera width")
	fs.IntVar(&cfg.Height, "height", 180, "shared camera height")
	fs.IntVar(&cfg.FPS, "fps", 15, "shared camera frame rate")
	fs.IntVar(&cfg.BitrateKbps, "bitrate", 200, "shared camera bitrate, kbit/s")
	key := fs.String("api-key", os.Getenv("LIVEKIT_API_KEY"), "API key (default: LIVEKIT_API_KEY, or the stored server keys)")
	secret := fs.String("api-secret", os.Getenv("LIVEKIT_API_SECRET"), "API secret (default: LIVEKIT_API_SECRET, or the stored server keys)")
	out := fs.String("json", "", "also write the report as JSON here")
	trust := caCertFlag(fs)
	logLevel := fs.String("log-level", "", "debug, info, warn or error")
	if err := parse(fs, env.Args); err != nil {
		return err
	}
	if err := requireFlags(env, "load",
		need{"server", cfg.Server, "the server to load (ws://host:port)"},
		need{"room", cfg.Room, "the room everyone joins"}); err != nil {
		return err
	}
	if err := trust(); err != nil {
		return err
	}
	keys, _, err := resolveKeys(*key, *secret)
	if err != nil {
		return err
	}
	cfg.APIKey, cfg.APISecret = keys.APIKey, keys.APISecret
	log, err := newLogger(env.Stderr, *logLevel, keys.APISecret)
	if err != nil {
		return err
	}
	cfg.Log = log
	livekit.SetLibraryLogger(log)
	ctx, stop := signalContext()
	defer stop()
	r, err := load.Run(ctx, cfg)
	if err != nil {
		return err
	}
	r.Print(env.Stdout)
	if *out != "" {
		data, _ := json.MarshalIndent(r, "", "  ")
		return os.WriteFile(*out, data, 0o644)
	}
	return nil
}
