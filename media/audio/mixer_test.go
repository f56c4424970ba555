package audio

import (
	"math"
	"testing"
	"time"

	"confer/media"
	"confer/media/synth"
)

func tone(freq float64, n int, start time.Time) []int16 {
	t := synth.Tone{Freq: freq, Amplitude: 0.25}
	pcm := make([]int16, n)
	t.Fill(pcm, start)
	return pcm
}

func TestMixerSumsInputsAfterOnePacket(t *testing.T) {
	m := NewMixer()
	a, b := m.NewInput(), m.NewInput()
	out := make([]int16, 480) // one 10 ms device period
	start := time.Unix(1000, 0)

	a.WritePCM(tone(440, media.FrameSamples/2, start))
	m.Mix(out)
	if synth.RMS(out) != 0 {
		t.Fatal("played before one packet was buffered")
	}
	a.WritePCM(tone(440, media.FrameSamples/2, start.Add(10*time.Millisecond)))
	b.WritePCM(tone(1000, media.FrameSamples, start))
	var got []int16
	for i := 0; i < 2; i++ {
		m.Mix(out)
		got = append(got, out...)
	}
	// Both tones, each at 0.25: the sum's RMS is that of two uncorrelated sines.
	want := math.Sqrt(2) * 0.25 / math.Sqrt(2)
	if r := synth.RMS(got); math.Abs(r-want) > 0.02 {
		t.Fatalf("RMS of the mix %.3f, want %.3f", r, want)
	}
	if a.Buffered() != 0 || b.Buffered() != 0 {
		t.Fatalf("left in buffers: %d, %d", a.Buffered(), b.Buffered())
	}
	m.Mix(out)
	if synth.RMS(out) != 0 {
		t.Fatal("dry inputs still play")
	}
	if m.Played() != 4*480 {
		t.Fatalf("played %d samples", m.Played())
	}
}

func TestMixerKeepsDelayBounded(t *testing.T) {
	m := NewMixer()
	in := m.NewInput()
	for i := 0; i < 15; i++ { // 300 ms arrive at once after a stall
		in.WritePCM(tone(440, media.FrameSamples, time.Unix(1000, 0)))
	}
	out := make([]int16, 480)
	m.Mix(out)
	if b := in.Buffered(); b > primeSamples {
		t.Fatalf("%d samples (%.0f ms) still queued after a burst", b, float64(b)/48)
	}
}

func TestMixerClipsInsteadOfWrapping(t *testing.T) {
	m := NewMixer()
	loud := make([]int16, media.FrameSamples)
	for i := range loud {
		loud[i] = 30000
	}
	m.NewInput().WritePCM(loud)
	m.NewInput().WritePCM(loud)
	out := make([]int16, 480)
	m.Mix(out)
	if out[0] != 32767 {
		t.Fatalf("sum of two loud inputs is %d, want 32767", out[0])
	}
}

func TestMixerInputRemoved(t *testing.T) {
	m := NewMixer()
	in := m.NewInput()
	in.WritePCM(tone(440, media.FrameSamples, time.Unix(1000, 0)))
	in.Close()
	out := make([]int16, 480)
	m.Mix(out)
	if synth.RMS(out) != 0 {
		t.Fatal("closed input still plays")
	}
}

func TestMixerCallbackDoesNotAllocate(t *testing.T) {
	m := NewMixer()
	in := m.NewInput()
	out := make([]int16, 480)
	pcm := tone(440, media.FrameSamples, time.Unix(1000, 0))
	allocs := testing.AllocsPerRun(100, func() {
		in.WritePCM(pcm)
		m.Mix(out)
		m.Mix(out)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per period", allocs)
	}
}

func TestPlayerConsumesAudioInRealTime(t *testing.T) {
	m := NewMixer()
	p, err := NewPlayer(m, nil)
	if err != nil {
		t.Fatalf("player: %v", err)
	}
	defer p.Close()
	t.Logf("null device: %v", p.IsNull())
	in := m.NewInput()
	start := time.Now()
	for i := 0; i < 25; i++ { // 500 ms of tone, paced like a receiver
		in.WritePCM(tone(440, media.FrameSamples, start.Add(time.Duration(i)*media.FrameTime)))
		time.Sleep(media.FrameTime)
	}
	played := m.Played()
	elapsed := time.Since(start)
	want := float64(elapsed) / float64(time.Second) * media.SampleRate
	if float64(played) < 0.7*want || float64(played) > 1.3*want {
		t.Fatalf("device took %d samples in %v, want about %.0f", played, elapsed, want)
	}
}
