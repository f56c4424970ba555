package host

import (
	"fmt"
	"log/slog"

	"github.com/livekit/protocol/logger"

	"confer/internal/logs"
)

// liveKitLogger makes cfg.Log mask the server's API secret and join
// password, and returns the logger for the LiveKit node and its pion peer
// connections: cfg.Log at cfg.LogLevel, "error" when unset. LiveKit answers
// a refused join with the token in the message and logs requests at debug,
// so everything it writes goes through the same masking.
func liveKitLogger(cfg *Config) (logger.Logger, error) {
	level := slog.LevelError
	if cfg.LogLevel != "" {
		var err error
		if level, err = logs.ParseLevel(cfg.LogLevel); err != nil {
			return nil, fmt.Errorf("room server: %w", err)
		}
	}
	cfg.Log = slog.New(logs.Redact(cfg.Log.Handler(), cfg.Keys.APISecret, cfg.Password, cfg.Redis.Password))
	return logs.LiveKit(cfg.Log.Handler(), level), nil
}
