package synth

import (
	"math"
	"testing"
	"time"

	"confer/media"
)

// t0 is deliberately not on a click boundary nor on a whole millisecond.
var t0 = time.Unix(1_785_000_000, 300_123_456)

func fillStream(tone *Tone, start time.Time, d time.Duration) []int16 {
	pcm := make([]int16, int(d/media.FrameTime)*media.FrameSamples)
	for i := 0; i < len(pcm); i += media.FrameSamples {
		tone.Fill(pcm[i:i+media.FrameSamples], start.Add(time.Duration(i/media.FrameSamples)*media.FrameTime))
	}
	return pcm
}

func TestToneFrequency(t *testing.T) {
	for _, f := range []float64{440, 1000, 261.63} {
		pcm := fillStream(&Tone{Freq: f, Amplitude: 0.5}, t0, time.Second)
		if got := DominantFrequency(pcm, media.SampleRate); math.Abs(got-f) > 1 {
			t.Errorf("tone %v Hz: DominantFrequency = %v", f, got)
		}
		// One 20 ms frame is enough for ±5 Hz.
		if got := DominantFrequency(pcm[:media.FrameSamples], media.SampleRate); math.Abs(got-f) > 5 {
			t.Errorf("tone %v Hz, one frame: DominantFrequency = %v", f, got)
		}
	}
}

func TestToneLevels(t *testing.T) {
	pcm := fillStream(&Tone{Freq: 440, Amplitude: 0.3}, t0, time.Second)
	if got := RMS(pcm); math.Abs(got-0.3/math.Sqrt2) > 0.002 {
		t.Errorf("RMS of 0.3 sine = %v, want ≈0.212", got)
	}
	pcm = fillStream(&Tone{}, t0, time.Second)
	if got := RMS(pcm); got >= 0.001 {
		t.Errorf("silent tone RMS = %v", got)
	}
	pcm = fillStream(&Tone{Freq: 440, Amplitude: 3}, t0, 100*time.Millisecond)
	if got := RMS(pcm); math.Abs(got-1/math.Sqrt2) > 0.002 {
		t.Errorf("amplitude clamps to 1: RMS %v", got)
	}
}

// Consecutive Fill calls must join like one long Fill: no phase jump at
// frame boundaries.
func TestToneContinuous(t *testing.T) {
	tone := &Tone{Freq: 441.7, Amplitude: 0.8, ClickEvery: 250 * time.Millisecond}
	chunked := fillStream(tone, t0, time.Second)
	whole := make([]int16, len(chunked))
	tone.Fill(whole, t0)
	for i := range whole {
		if d := int(whole[i]) - int(chunked[i]); d < -1 || d > 1 {
			t.Fatalf("sample %d: whole %d chunked %d", i, whole[i], chunked[i])
		}
	}
}

func TestToneClicksOnGrid(t *testing.T) {
	tone := &Tone{Freq: 440, Amplitude: 0.2, ClickEvery: time.Second}
	start := time.Unix(1_785_000_000, 0).Add(-10 * time.Millisecond)
	pcm := make([]int16, 960)
	tone.Fill(pcm, start)
	// Sample 480 is exactly on the second: burst sample 0 is sin(0), then
	// 0.9·sin(2π·3000/48000).
	if pcm[480] != 0 || pcm[481] != toPCM(0.9*math.Sin(2*math.Pi/16)) {
		t.Fatalf("click not at the second: %v", pcm[478:484])
	}
	if pcm[479] == 0 {
		t.Fatalf("tone missing before the click")
	}
}
