package synth

import (
	"math"
	"testing"
	"time"

	"confer/media"
)

// room delays pcm by d and scales it by gainDB, as a loudspeaker heard by a
// microphone would, keeping the length.
func room(pcm []int16, d time.Duration, gainDB float64) []int16 {
	out := make([]int16, len(pcm))
	shift := int(int64(d) * media.SampleRate / int64(time.Second))
	g := math.Pow(10, gainDB/20)
	for i := shift; i < len(out); i++ {
		out[i] = int16(math.Round(float64(pcm[i-shift]) * g))
	}
	return out
}

// mix adds b to a, saturating.
func mix(a, b []int16) []int16 {
	out := make([]int16, len(a))
	for i := range out {
		out[i] = int16(min(max(int32(a[i])+int32(b[i]), math.MinInt16), math.MaxInt16))
	}
	return out
}

func TestEchoReturnDelayedCopy(t *testing.T) {
	sent := speechOrSkip(t, 30*time.Second, 0)
	received := room(sent, 100*time.Millisecond, -3)
	start := time.Now()
	db, lag, ok := EchoReturn(sent, received, media.SampleRate, 300*time.Millisecond)
	took := time.Since(start)
	t.Logf("copy at -3 dB after 100 ms: %.2f dB at %v (30 s analysed in %v)", db, lag, took)
	if !ok || math.Abs(db+3) > 0.5 {
		t.Errorf("echo return %.2f dB (ok %v), want -3 ± 0.5", db, ok)
	}
	if d := lag - 100*time.Millisecond; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("lag %v, want 100 ± 1 ms", lag)
	}
	if took > 2*time.Second {
		t.Errorf("30 s took %v to analyse", took)
	}
}

func TestEchoReturnUnrelated(t *testing.T) {
	sent := speechOrSkip(t, 30*time.Second, 0)
	other := speechOrSkip(t, 30*time.Second, 3)
	db, lag, ok := EchoReturn(sent, other, media.SampleRate, 300*time.Millisecond)
	t.Logf("unrelated speech: %.1f dB at %v", db, lag)
	if !ok || db > -30 {
		t.Errorf("unrelated speech measures %.1f dB (ok %v), want ≤ -30", db, ok)
	}
}

func TestEchoReturnDoubleTalk(t *testing.T) {
	sent := speechOrSkip(t, 30*time.Second, 0)
	near := speechOrSkip(t, 30*time.Second, 3)
	echo := room(sent, 100*time.Millisecond, -3)
	alone, _, _ := EchoReturn(sent, echo, media.SampleRate, 300*time.Millisecond)
	// The near-end talker as loud as the far end: harder than real double
	// talk, where the echo is usually quieter than the talker.
	db, lag, ok := EchoReturn(sent, mix(echo, near), media.SampleRate, 300*time.Millisecond)
	t.Logf("echo alone %.2f dB; with a near-end talker as loud as the far end %.2f dB at %v", alone, db, lag)
	if !ok || math.Abs(db-alone) > 1 {
		t.Errorf("double talk moved the figure from %.2f to %.2f dB, want within 1 dB", alone, db)
	}
}

func TestEchoReturnInvertedAndShort(t *testing.T) {
	sent := speechOrSkip(t, 5*time.Second, 1)
	inv := room(sent, 20*time.Millisecond, -10)
	for i := range inv {
		inv[i] = -inv[i]
	}
	db, lag, ok := EchoReturn(sent, inv, media.SampleRate, 50*time.Millisecond)
	t.Logf("inverted copy at -10 dB after 20 ms: %.2f dB at %v", db, lag)
	if !ok || math.Abs(db+10) > 0.5 || lag != 20*time.Millisecond {
		t.Errorf("inverted copy: %.2f dB at %v (ok %v), want -10 dB at 20ms", db, lag, ok)
	}
}

func TestEchoReturnDegenerate(t *testing.T) {
	pcm := make([]int16, 4800)
	noise := make([]int16, 4800)
	for i := range noise {
		noise[i] = int16(i*7919%2001 - 1000)
	}
	for _, c := range []struct {
		name           string
		sent, received []int16
		rate           int
		maxLag         time.Duration
	}{
		{"empty", nil, nil, media.SampleRate, time.Millisecond},
		{"silent sent", pcm, noise, media.SampleRate, time.Millisecond},
		{"no rate", noise, noise, 0, time.Millisecond},
		{"negative lag", noise, noise, media.SampleRate, -time.Millisecond},
	} {
		if db, lag, ok := EchoReturn(c.sent, c.received, c.rate, c.maxLag); ok {
			t.Errorf("%s: got %.1f dB at %v, want ok false", c.name, db, lag)
		}
	}
	// Lengths that differ, and received shorter than the lag range.
	for _, n := range []int{1, 100, 4799} {
		EchoReturn(noise, noise[:n], media.SampleRate, 50*time.Millisecond)
		EchoReturn(noise[:n], noise, media.SampleRate, 50*time.Millisecond)
	}
	if db, _, ok := EchoReturn(noise, pcm, media.SampleRate, 10*time.Millisecond); !ok || db != echoFloorDB {
		t.Errorf("nothing came back: %.1f dB (ok %v), want %v", db, ok, echoFloorDB)
	}
}
