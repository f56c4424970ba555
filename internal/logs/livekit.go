package logs

import (
	"context"
	"log/slog"
	"time"

	"github.com/livekit/protocol/logger"
	"github.com/livekit/protocol/logger/zaputil"
	"go.uber.org/zap/zapcore"
)

// LiveKit adapts h to the logger livekit-server takes, and through it the
// pion loggers of its peer connections (pion's scopes become components).
// LiveKit's own constructor writes to the process's stderr directly, past
// any redaction; its logr adapter logs warnings as information. Here each
// of LiveKit's levels is slog's, names and components go into a "logger"
// attribute, and records below min are dropped.
func LiveKit(h slog.Handler, min slog.Level) logger.Logger {
	return liveKitLogger{h: h, min: min}
}

type liveKitLogger struct {
	h    slog.Handler
	min  slog.Level
	name string
}

var _ logger.Logger = liveKitLogger{}

func (l liveKitLogger) log(level slog.Level, msg string, err error, kv []any) {
	ctx := context.Background()
	if level < l.min || !l.h.Enabled(ctx, level) {
		return
	}
	r := slog.NewRecord(time.Now(), level, msg, 0)
	if l.name != "" {
		r.AddAttrs(slog.String("logger", l.name))
	}
	if err != nil {
		r.AddAttrs(slog.Any("err", err))
	}
	r.Add(readable(kv)...)
	_ = l.h.Handle(ctx, r)
}

// readable turns the values LiveKit marshals for zap (protobuf messages,
// with their sensitive fields left out) into ones slog can show; without
// this they print as a pointer.
func readable(kv []any) []any {
	out := kv
	for i, v := range kv {
		var m zapMarshaled
		switch v := v.(type) {
		case zapcore.ObjectMarshaler:
			m = zapMarshaled{obj: v}
		case zapcore.ArrayMarshaler:
			m = zapMarshaled{arr: v}
		default:
			continue
		}
		if &out[0] == &kv[0] {
			out = append([]any(nil), kv...) // the caller's slice stays as it was
		}
		out[i] = m
	}
	return out
}

type zapMarshaled struct {
	obj zapcore.ObjectMarshaler
	arr zapcore.ArrayMarshaler
}

func (z zapMarshaled) LogValue() slog.Value {
	enc := zapcore.NewMapObjectEncoder()
	var err error
	if z.obj != nil {
		err = z.obj.MarshalLogObject(enc)
	} else {
		err = enc.AddArray("v", z.arr)
	}
	switch {
	case err != nil:
		return slog.StringValue("(" + err.Error() + ")")
	case z.obj != nil:
		return slog.AnyValue(enc.Fields)
	}
	return slog.AnyValue(enc.Fields["v"])
}

func (l liveKitLogger) Debugw(msg string, kv ...any) { l.log(slog.LevelDebug, msg, nil, kv) }
func (l liveKitLogger) Infow(msg string, kv ...any)  { l.log(slog.LevelInfo, msg, nil, kv) }

func (l liveKitLogger) Warnw(msg string, err error, kv ...any) {
	l.log(slog.LevelWarn, msg, err, kv)
}

func (l liveKitLogger) Errorw(msg string, err error, kv ...any) {
	l.log(slog.LevelError, msg, err, kv)
}

func (l liveKitLogger) WithValues(kv ...any) logger.Logger {
	r := slog.NewRecord(time.Time{}, 0, "", 0)
	r.Add(kv...)
	var as []slog.Attr
	r.Attrs(func(a slog.Attr) bool {
		as = append(as, a)
		return true
	})
	l.h = l.h.WithAttrs(as)
	return l
}

func (l liveKitLogger) WithUnlikelyValues(kv ...any) logger.UnlikelyLogger {
	return logger.NewUnlikelyLogger(l, kv...)
}

func (l liveKitLogger) WithName(name string) logger.Logger {
	if l.name != "" {
		name = l.name + "." + name
	}
	l.name = name
	return l
}

func (l liveKitLogger) WithComponent(component string) logger.Logger { return l.WithName(component) }

// Call depth and sampling are zap's; slog records no caller here.
func (l liveKitLogger) WithCallDepth(int) logger.Logger { return l }
func (l liveKitLogger) WithItemSampler() logger.Logger  { return l }
func (l liveKitLogger) WithoutSampler() logger.Logger   { return l }

// WithDeferredValues: values LiveKit resolves later (a participant's ID
// once known) are left out.
func (l liveKitLogger) WithDeferredValues() (logger.Logger, logger.DeferredFieldResolver) {
	return l, zaputil.NoOpDeferrer{}
}
