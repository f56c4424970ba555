package bot

import (
	"math"
	"testing"
	"time"

	"confer/media"
	"confer/media/audio"
	"confer/media/synth"
)

// A device that takes the tone 10 ms at a time, delay after its capture,
// must yield that delay for every click.
func TestPlaybackLatencyFindsAKnownDelay(t *testing.T) {
	const delay = 47 * time.Millisecond
	tap := audio.NewTap()
	p := newPlaybackLatency(tap, time.Second)
	tone := synth.Tone{Freq: 440, Amplitude: 0.3, ClickEvery: time.Second}
	period := make([]int16, media.SampleRate/100)
	start := time.Unix(1_700_000_000, 0).Add(300 * time.Millisecond)
	for k := 0; k < 400; k++ { // 4 s of 10 ms periods
		captured := start.Add(time.Duration(k) * 10 * time.Millisecond)
		tone.Fill(period, captured)
		tap.Write(period, captured.Add(delay))
		tap.Drain(p.feed)
	}
	got := p.summary()
	if got.Clicks != 4 {
		t.Fatalf("%d clicks in 4 s, want 4", got.Clicks)
	}
	want := float64(delay.Milliseconds())
	if math.Abs(got.P50-want) > 1 || math.Abs(got.P95-want) > 1 {
		t.Fatalf("p50 %.1f ms, p95 %.1f ms; want %.0f ms", got.P50, got.P95, want)
	}
}

func TestPlaybackLatencyNilWhenNotPlaying(t *testing.T) {
	var p *playbackLatency
	if p.result() != nil {
		t.Fatal("a bot that does not play reports an audio latency")
	}
}
