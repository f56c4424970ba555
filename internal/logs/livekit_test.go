package logs

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

func TestLiveKitLoggerKeepsLevelsAndNames(t *testing.T) {
	var out bytes.Buffer
	h := Redact(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}), "s3cret")
	lk := LiveKit(h, slog.LevelWarn).WithName("livekit").WithComponent("pion.ice").WithValues("room", "r1")
	lk.Debugw("debug, below the minimum")
	lk.Infow("info, below the minimum")
	lk.Warnw("a warning", errors.New("with s3cret in it"), "n", 1)
	lk.Errorw("an error", nil)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the warning and the error only:\n%s", out.String())
	}
	for i, want := range []string{
		`level=WARN msg="a warning" room=r1 logger=livekit.pion.ice err="with [redacted] in it" n=1`,
		`level=ERROR msg="an error" room=r1 logger=livekit.pion.ice`,
	} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d: %s\nwant it to end: %s", i, lines[i], want)
		}
	}
}

// field is a value LiveKit would log with its zap marshaller.
type field struct{ secret string }

func (f field) MarshalLogObject(e zapcore.ObjectEncoder) error {
	e.AddString("kind", "offer")
	e.AddString("token", f.secret)
	return nil
}

func TestLiveKitZapValuesAreShownAndRedacted(t *testing.T) {
	var out bytes.Buffer
	kv := []any{"msg", field{secret: jwt}}
	LiveKit(Redact(slog.NewTextHandler(&out, nil)), slog.LevelInfo).Infow("join", kv...)
	if got := out.String(); !strings.Contains(got, `msg="map[kind:offer token:`+Mask+`]"`) {
		t.Errorf("got %s", got)
	}
	if _, ok := kv[1].(field); !ok {
		t.Error("the caller's values were changed")
	}
}
