package logs

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/livekit/protocol/logger"
	"github.com/livekit/protocol/logger/pionlogger"
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

// pion's loggers, made by LiveKit's factory from the adapter, ask for the
// level before they format: a debug message that nobody reads is never
// built (formatting it is what raced with pion's own writes).
func TestPionDebugMessagesAreNotFormattedWhenDebugIsOff(t *testing.T) {
	var out bytes.Buffer
	lk := LiveKit(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}), slog.LevelDebug)
	pion := pionlogger.NewLoggerFactory(lk).NewLogger("pc")
	var formatted countingStringer
	pion.Debugf("got new track: %v", &formatted)
	pion.Infof("info: %v", &formatted)
	if formatted != 1 {
		t.Errorf("formatted %d messages, want only the information", formatted)
	}
	if got := out.String(); !strings.Contains(got, `msg="info: formatted" logger=pion.pc`) || strings.Contains(got, "got new track") {
		t.Errorf("got %s", got)
	}

	out.Reset()
	debug := LiveKit(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}), slog.LevelDebug)
	pionlogger.NewLoggerFactory(debug).NewLogger("pc").Debugf("got new track: %v", &formatted)
	if !strings.Contains(out.String(), `level=DEBUG msg="got new track: formatted"`) {
		t.Errorf("with debug on: %s", out.String())
	}
}

type countingStringer int

func (c *countingStringer) String() string {
	*c++
	return "formatted"
}

// LiveKit's slog bridge goes through the adapter's zap face: levels,
// names and fields come out as they went in.
func TestLiveKitLoggerAsZap(t *testing.T) {
	var out bytes.Buffer
	lk := LiveKit(slog.NewTextHandler(&out, nil), slog.LevelDebug).WithName("livekit")
	log := slog.New(logger.ToSlogHandler(lk))
	log.Debug("below the handler's level")
	log.With("room", "r1").Warn("a warning", "n", 2, "id", "PA_1")
	if got, want := strings.TrimSpace(out.String()), `level=WARN msg="a warning" room=r1 logger=livekit id=PA_1 n=2`; !strings.HasSuffix(got, want) {
		t.Errorf("got  %s\nwant it to end: %s", got, want)
	}
	out.Reset()
	lk.(logger.ZapLogger).WithMinLevel(zapcore.ErrorLevel).Warnw("a warning under an error minimum", nil)
	if out.Len() != 0 {
		t.Errorf("WithMinLevel(error) let a warning through: %s", out.String())
	}
}
