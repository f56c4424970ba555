package audio

import (
	"slices"
	"testing"
	"time"

	"confer/media"
)

func TestTapStampsEachBlockAtItsOffset(t *testing.T) {
	tap := NewTap()
	pcm := make([]int16, 2*tapBlockSamples+100) // a period longer than a block
	for i := range pcm {
		pcm[i] = int16(i)
	}
	at := time.Unix(1000, 0)
	tap.Write(pcm, at)
	var got []int16
	var stamps []time.Duration
	tap.Drain(func(b []int16, when time.Time) {
		got = append(got, b...)
		stamps = append(stamps, when.Sub(at))
	})
	if !slices.Equal(got, pcm) {
		t.Fatal("drained samples differ from the written ones")
	}
	want := []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond}
	if !slices.Equal(stamps, want) {
		t.Fatalf("block times %v, want %v", stamps, want)
	}
	tap.Drain(func([]int16, time.Time) { t.Fatal("a block was drained twice") })
}

func TestTapDropsWhenTheReaderIsBehind(t *testing.T) {
	tap := NewTap()
	block := make([]int16, tapBlockSamples)
	for i := 0; i < tapBlocks+5; i++ {
		tap.Write(block, time.Unix(1000, 0))
	}
	n := 0
	tap.Drain(func([]int16, time.Time) { n++ })
	if n != tapBlocks || tap.Dropped() != 5 {
		t.Fatalf("drained %d, dropped %d; want %d and 5", n, tap.Dropped(), tapBlocks)
	}
}

func TestMixerTapSeesWhatIsPlayed(t *testing.T) {
	m := NewMixer()
	tap := NewTap()
	m.AddTap(tap)
	m.NewInput().WritePCM(tone(440, media.FrameSamples, time.Unix(1000, 0)))
	out := make([]int16, 480)
	before := time.Now()
	m.Mix(out)
	after := time.Now()
	tap.Drain(func(pcm []int16, at time.Time) {
		if !slices.Equal(pcm, out) {
			t.Error("the tap's samples differ from the device's")
		}
		if at.Before(before) || at.After(after) {
			t.Errorf("stamped %v, outside the Mix call [%v, %v]", at, before, after)
		}
	})
}

func TestMixerWithTapDoesNotAllocate(t *testing.T) {
	m := NewMixer()
	tap := NewTap()
	m.AddTap(tap)
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

// The device callback writes while another goroutine drains: under -race
// this checks the ring's hand-over, and nothing is lost at the device's pace.
func TestTapKeepsUpWithAPlayer(t *testing.T) {
	m := NewMixer()
	tap := NewTap()
	m.AddTap(tap)
	p, err := NewPlayer(m, nil)
	if err != nil {
		t.Fatalf("player: %v", err)
	}
	got := 0
	for range 15 { // 300 ms
		time.Sleep(media.FrameTime)
		tap.Drain(func(pcm []int16, _ time.Time) { got += len(pcm) })
	}
	p.Close()
	tap.Drain(func(pcm []int16, _ time.Time) { got += len(pcm) })
	if got == 0 || int64(got) != m.Played() || tap.Dropped() != 0 {
		t.Fatalf("drained %d samples of %d played, %d blocks dropped", got, m.Played(), tap.Dropped())
	}
}
