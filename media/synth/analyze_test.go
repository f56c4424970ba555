package synth

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"confer/media"
)

func TestDominantFrequencyAmongClicksAndNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tone := &Tone{Freq: 440, Amplitude: 0.3, ClickEvery: 100 * time.Millisecond}
	pcm := fillStream(tone, t0, time.Second)
	for i, s := range pcm {
		pcm[i] = int16(min(max(int(s)+rng.IntN(2001)-1000, math.MinInt16), math.MaxInt16))
	}
	if got := DominantFrequency(pcm, media.SampleRate); math.Abs(got-440) > 5 {
		t.Fatalf("DominantFrequency = %v, want 440±5", got)
	}
}

func TestAnalyzeDegenerate(t *testing.T) {
	if RMS(nil) != 0 || DominantFrequency(nil, 48000) != 0 ||
		DominantFrequency(make([]int16, 960), 48000) != 0 ||
		DominantFrequency(make([]int16, 960), 0) != 0 {
		t.Fatal("degenerate input should give 0")
	}
}

func TestClickDetectorDelay(t *testing.T) {
	const delay = 73 * time.Millisecond
	for _, amp := range []float64{0, 0.3, 0.5, 1} {
		tone := &Tone{Freq: 440, Amplitude: amp, ClickEvery: time.Second}
		det := NewClickDetector(media.SampleRate, time.Second)
		pcm := make([]int16, media.FrameSamples)
		found := 0
		for k := range 250 { // 5 s
			capture := t0.Add(time.Duration(k) * media.FrameTime)
			tone.Fill(pcm, capture)
			for _, d := range det.Feed(pcm, capture.Add(delay)) {
				found++
				if d < delay-2*time.Millisecond || d > delay+2*time.Millisecond {
					t.Errorf("amp %v: delay %v, want %v±2ms", amp, d, delay)
				}
			}
		}
		if found != 5 {
			t.Errorf("amp %v: %d clicks in 5 s, want 5", amp, found)
		}
	}
}

// Odd chunk sizes put onsets across Feed calls; a delay near every/2 must
// still come out right.
func TestClickDetectorSplitChunks(t *testing.T) {
	const every = 200 * time.Millisecond
	const delay = 97 * time.Millisecond
	tone := &Tone{Freq: 440, Amplitude: 0.5, ClickEvery: every}
	pcm := fillStream(tone, t0, 2*time.Second)
	det := NewClickDetector(media.SampleRate, every)
	found := 0
	for i, n := 0, 0; i < len(pcm); i += n {
		n = min(1+(i*7)%37, len(pcm)-i)
		at := t0.Add(time.Duration(i)*time.Second/media.SampleRate + delay)
		for _, d := range det.Feed(pcm[i:i+n], at) {
			found++
			if d < delay-2*time.Millisecond || d > delay+2*time.Millisecond {
				t.Errorf("delay %v, want %v", d, delay)
			}
		}
	}
	if found != 10 {
		t.Errorf("%d clicks in 2 s, want 10", found)
	}
}

func TestClickDetectorIgnoresTone(t *testing.T) {
	for _, f := range []float64{440, 1000} {
		tone := &Tone{Freq: f, Amplitude: 0.5}
		det := NewClickDetector(media.SampleRate, time.Second)
		pcm := make([]int16, media.FrameSamples)
		for k := range 250 {
			capture := t0.Add(time.Duration(k) * media.FrameTime)
			tone.Fill(pcm, capture)
			if d := det.Feed(pcm, capture); len(d) != 0 {
				t.Fatalf("%v Hz tone: click reported at frame %d: %v", f, k, d)
			}
		}
	}
}

func TestClickDetectorNoAllocs(t *testing.T) {
	tone := &Tone{Freq: 440, Amplitude: 0.5, ClickEvery: 100 * time.Millisecond}
	det := NewClickDetector(media.SampleRate, 100*time.Millisecond)
	pcm := make([]int16, media.FrameSamples)
	k := 0
	feed := func() {
		capture := t0.Add(time.Duration(k) * media.FrameTime)
		k++
		tone.Fill(pcm, capture)
		det.Feed(pcm, capture)
	}
	for range 50 { // let the result slice grow once
		feed()
	}
	if a := testing.AllocsPerRun(200, feed); a != 0 {
		t.Fatalf("Fill+Feed allocate %v per frame", a)
	}
	if a := testing.AllocsPerRun(20, func() { DominantFrequency(pcm, media.SampleRate) }); a != 0 {
		t.Fatalf("DominantFrequency allocates %v", a)
	}
}

// A stream that starts inside a click must not report that click late.
func TestClickDetectorStartsMidClick(t *testing.T) {
	tone := &Tone{Freq: 440, Amplitude: 0.3, ClickEvery: time.Second}
	start := time.Unix(1_785_000_000, 2_000_000) // 2 ms into a click
	pcm := fillStream(tone, start, 1100*time.Millisecond)
	det := NewClickDetector(media.SampleRate, time.Second)
	var got []time.Duration
	for i := 0; i < len(pcm); i += media.FrameSamples {
		at := start.Add(time.Duration(i) * time.Second / media.SampleRate)
		got = append(got, det.Feed(pcm[i:i+media.FrameSamples], at)...)
	}
	if len(got) != 1 || got[0] > time.Millisecond {
		t.Fatalf("delays %v, want one ≈0 (the click at +1 s only)", got)
	}
}
