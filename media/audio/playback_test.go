package audio

import (
	"testing"
	"time"

	"confer/internal/testenv"
	"confer/media"
)

// The player on the null device (no sound card here, as in CI), whose
// thread takes audio at the real pace: what a stream sends comes out whole
// and in order, the taps get it stamped at the device's pace, and closing
// the player ends its goroutine.
func TestPlayerPlaysEverySampleInOrderAtTheDevicesPace(t *testing.T) {
	const frames = 40 // 0.8 s of 20 ms frames, numbered 1..frames
	testenv.Labelled("player", func() {
		m := NewMixer()
		in := m.NewInput()
		tap := NewTap()
		m.AddTap(tap)
		p, err := NewPlayer(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.pump == nil {
			t.Fatal("the device calls into Go: the C callback could not be attached")
		}
		go sendNumberedFrames(in, frames)
		heard, stamps := listen(t, tap, frames)
		p.Close()
		checkInOrder(t, heard, frames)
		checkPace(t, stamps)
	})
	testenv.CheckNoGoroutines(t, "player", 5*time.Second)
}

// sendNumberedFrames writes frames 20 ms frames whose samples all hold the
// frame's number, at the pace a network would deliver them.
func sendNumberedFrames(in *Input, frames int) {
	pcm := make([]int16, media.FrameSamples)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for k := 1; k <= frames; k++ {
		for i := range pcm {
			pcm[i] = int16(k)
		}
		in.WritePCM(pcm)
		<-tick.C
	}
}

type stamp struct {
	n  int
	at time.Time
}

// listen drains the tap until the last frame's number has been played in
// full, or 10 s pass.
func listen(t *testing.T, tap *Tap, frames int) (heard []int16, stamps []stamp) {
	deadline := time.Now().Add(10 * time.Second)
	lastSeen := 0
	for lastSeen < media.FrameSamples && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		tap.Drain(func(pcm []int16, at time.Time) {
			stamps = append(stamps, stamp{len(pcm), at})
			for _, s := range pcm {
				if s == int16(frames) {
					lastSeen++
				}
				if s != 0 {
					heard = append(heard, s)
				}
			}
		})
	}
	if lastSeen < media.FrameSamples {
		t.Fatalf("the last frame was not played in 10 s (%d of its samples)", lastSeen)
	}
	return heard, stamps
}

// checkInOrder wants every frame's samples, whole, in order.
func checkInOrder(t *testing.T, heard []int16, frames int) {
	t.Helper()
	if len(heard) != frames*media.FrameSamples {
		t.Errorf("played %d samples of the stream, sent %d", len(heard), frames*media.FrameSamples)
	}
	for i := 1; i < len(heard); i++ {
		if heard[i] != heard[i-1] && heard[i] != heard[i-1]+1 {
			t.Fatalf("sample %d: frame %d after frame %d", i, heard[i], heard[i-1])
		}
	}
}

// checkPace wants the taps' stamps to follow the samples at 48 kHz: each
// block stamped where the one before it ends, give or take the device's
// own jitter.
func checkPace(t *testing.T, stamps []stamp) {
	t.Helper()
	worst := time.Duration(0)
	for i := 1; i < len(stamps); i++ {
		want := stamps[i-1].at.Add(time.Duration(stamps[i-1].n) * time.Second / media.SampleRate)
		worst = max(worst, stamps[i].at.Sub(want).Abs())
	}
	if worst > 50*time.Millisecond {
		t.Errorf("tap stamps stray %v from the samples' pace", worst)
	}
}

// Streams come and go while the device plays (people join and leave):
// inputs closed under the device's feet are released once no mix can be
// reading them, and a receiver that writes after its input closed writes
// into memory that is still its own.
func TestInputsComeAndGoWhileTheDevicePlays(t *testing.T) {
	m := NewMixer()
	p, err := NewPlayer(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pcm := make([]int16, media.FrameSamples)
	for i := range pcm {
		pcm[i] = 1000
	}
	deadline := time.Now().Add(time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		in := m.NewInput()
		in.WritePCM(pcm)
		if n%3 == 0 {
			waitMixed(m, 1) // the device mixes with it in the set
		}
		_ = in.Close()
		in.WritePCM(pcm) // a receiver that has not stopped yet
	}
	// Once the device has mixed again, the next change releases the rest.
	waitMixed(m, 2)
	_ = m.NewInput().Close()
	m.mu.Lock()
	live, waiting := len(m.mem.pins), len(m.mem.retired)
	m.mu.Unlock()
	if live != 0 || waiting > 2 {
		t.Errorf("after every input closed: %d inputs in the set, %d sets waiting for release", live, waiting)
	}
	if m.Played() == 0 {
		t.Error("the device mixed nothing")
	}
}

// waitMixed waits until the device has taken periods more 10 ms periods.
// The count lives in the C mixer, which signals nothing, so this polls it.
func waitMixed(m *Mixer, periods int) {
	for until := m.Played() + int64(periods*480); m.Played() < until; {
		time.Sleep(time.Millisecond)
	}
}
