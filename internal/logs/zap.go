package logs

import (
	"context"
	"log/slog"
	"slices"

	"github.com/livekit/protocol/logger"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// LiveKit's pion logger factory asks a ZapLogger whether a level is on
// before it formats a message; with any other logger it formats every one
// of pion's debug messages and drops it afterwards. That costs time on
// every packet path that logs, and in pion/webrtc v4.2.17 formatting
// onTrack's "got new track: %+v" reads a remote track's fields while the
// peer connection still sets them: a data race. Being a ZapLogger, the
// adapter is asked first, and pion's debug messages are never built unless
// someone reads them.
var _ logger.ZapLogger = liveKitLogger{}

func (l liveKitLogger) enabled(level slog.Level) bool {
	return level >= l.min && l.h.Enabled(context.Background(), level)
}

// slogLevel is the slog level of a zap level; zap's levels above error
// (panic, fatal) are logged as errors, as LiveKit never uses them for pion.
func slogLevel(level zapcore.Level) slog.Level {
	switch {
	case level <= zapcore.DebugLevel:
		return slog.LevelDebug
	case level == zapcore.InfoLevel:
		return slog.LevelInfo
	case level == zapcore.WarnLevel:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// zapLevels answers zap's "is this level on" from the slog handler.
type zapLevels struct{ l liveKitLogger }

func (z zapLevels) Enabled(level zapcore.Level) bool { return z.l.enabled(slogLevel(level)) }

// ComponentLeveler: components are names here, with no level of their own.
func (l liveKitLogger) ComponentLeveler() logger.ZapComponentLeveler { return l }

func (l liveKitLogger) ComponentLevel(string) zapcore.LevelEnabler { return zapLevels{l} }

// WithMinLevel raises the minimum to the lowest level lvl lets through.
func (l liveKitLogger) WithMinLevel(lvl zapcore.LevelEnabler) logger.Logger {
	for _, z := range []zapcore.Level{zapcore.DebugLevel, zapcore.InfoLevel, zapcore.WarnLevel, zapcore.ErrorLevel} {
		if lvl.Enabled(z) {
			l.min = max(l.min, slogLevel(z))
			return l
		}
	}
	l.min = slog.LevelError + 1
	return l
}

// ToZap is the same logger as zap's: LiveKit's slog bridge
// (logger.ToSlogHandler) goes through it.
func (l liveKitLogger) ToZap() *zap.SugaredLogger { return zap.New(zapCore{zapLevels{l}}).Sugar() }

// zapCore writes zap's entries through the adapter, fields as attributes;
// its levels are zapLevels'.
type zapCore struct{ zapLevels }

func (c zapCore) With(fields []zapcore.Field) zapcore.Core {
	return zapCore{zapLevels{c.l.WithValues(fieldValues(fields)...).(liveKitLogger)}}
}

func (c zapCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c zapCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	l := c.l
	if e.LoggerName != "" {
		l = l.WithName(e.LoggerName).(liveKitLogger)
	}
	l.log(slogLevel(e.Level), e.Message, nil, fieldValues(fields))
	return nil
}

func (zapCore) Sync() error { return nil }

// fieldValues turns zap fields into slog's key-value list, keys in order.
func fieldValues(fields []zapcore.Field) []any {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	keys := make([]string, 0, len(enc.Fields))
	for k := range enc.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	kv := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		kv = append(kv, k, enc.Fields[k])
	}
	return kv
}
