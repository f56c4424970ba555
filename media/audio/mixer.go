package audio

import (
	"sync"
	"sync/atomic"
	"time"

	"confer/media"
)

// Jitter and latency bounds of each mixer input, in samples at 48 kHz.
const (
	// primeSamples is how much an input buffers before it starts playing
	// (and again after running dry): one 20 ms packet, enough on a clean
	// network, since packets arrive every 20 ms.
	primeSamples = media.FrameSamples
	// maxBuffered caps an input's delay; beyond it the oldest audio is
	// skipped, so a burst after a stall does not leave the call behind.
	maxBuffered = 10 * media.FrameSamples
	ringSize    = 16 * media.FrameSamples // power of two not needed: indexes wrap by modulo
)

// Mixer sums any number of PCM streams for one playback device. Writers are
// the receive goroutines; the reader is the device callback, which never
// blocks, allocates or logs: each input is a single-producer single-consumer
// ring, and the set of inputs is an immutable slice swapped atomically.
type Mixer struct {
	inputs atomic.Pointer[[]*Input]
	played atomic.Int64 // samples handed to the device, for tests and stats
	taps   atomic.Pointer[[]*Tap]

	mu sync.Mutex // serialises changes to the input set (never taken by Mix)
}

// NewMixer returns a mixer with no inputs.
func NewMixer() *Mixer {
	m := &Mixer{}
	m.inputs.Store(&[]*Input{})
	m.taps.Store(&[]*Tap{})
	return m
}

// Input is one stream into the mixer; it is a media.PCMSink.
type Input struct {
	m     *Mixer
	ring  [ringSize]int16
	write atomic.Uint64 // total samples written (producer-owned)
	read  atomic.Uint64 // total samples read (consumer-owned)
	// primed is touched by the consumer only.
	primed bool
}

// NewInput adds a stream. Close removes it.
func (m *Mixer) NewInput() *Input {
	in := &Input{m: m}
	m.mu.Lock()
	old := *m.inputs.Load()
	next := append(append(make([]*Input, 0, len(old)+1), old...), in)
	m.inputs.Store(&next)
	m.mu.Unlock()
	return in
}

// WritePCM queues samples. When the ring is full the newest samples are
// dropped; Mix keeps the queue short, so that only happens if playback stopped.
func (in *Input) WritePCM(pcm []int16) {
	w, r := in.write.Load(), in.read.Load()
	free := ringSize - int(w-r)
	if len(pcm) > free {
		pcm = pcm[:free]
	}
	for i, s := range pcm {
		in.ring[(w+uint64(i))%ringSize] = s
	}
	in.write.Store(w + uint64(len(pcm)))
}

// Close removes the input from its mixer.
func (in *Input) Close() error {
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.inputs.Load()
	next := make([]*Input, 0, len(old))
	for _, x := range old {
		if x != in {
			next = append(next, x)
		}
	}
	m.inputs.Store(&next)
	return nil
}

// Buffered is how many samples wait to be played.
func (in *Input) Buffered() int { return int(in.write.Load() - in.read.Load()) }

// Mix fills out with the sum of all inputs, clipped. Safe to call from a
// real-time audio callback.
func (m *Mixer) Mix(out []int16) {
	clear(out)
	for _, in := range *m.inputs.Load() {
		in.mixInto(out)
	}
	m.played.Add(int64(len(out)))
	if taps := *m.taps.Load(); len(taps) > 0 {
		now := time.Now()
		for _, t := range taps {
			t.Write(out, now)
		}
	}
}

// AddTap makes every Mix copy what it hands out to t, until RemoveTap.
// Each reader of the playback (an echo canceller, a latency measurement,
// a simulated room) has its own tap: a tap has one reader.
func (m *Mixer) AddTap(t *Tap) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.taps.Load()
	next := append(append(make([]*Tap, 0, len(old)+1), old...), t)
	m.taps.Store(&next)
}

// RemoveTap detaches t.
func (m *Mixer) RemoveTap(t *Tap) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.taps.Load()
	next := make([]*Tap, 0, len(old))
	for _, x := range old {
		if x != t {
			next = append(next, x)
		}
	}
	m.taps.Store(&next)
}

// PlaybackTap is a new tap on what the mixer hands to the device, as a
// media.PlaybackTap whose Close detaches it.
func (m *Mixer) PlaybackTap() media.PlaybackTap {
	t := NewTap()
	m.AddTap(t)
	return mixerTap{t, m}
}

type mixerTap struct {
	*Tap
	m *Mixer
}

func (t mixerTap) Close() { t.m.RemoveTap(t.Tap) }

// Played returns how many samples have been handed to the device.
func (m *Mixer) Played() int64 { return m.played.Load() }

func (in *Input) mixInto(out []int16) {
	w, r := in.write.Load(), in.read.Load()
	avail := int(w - r)
	if !in.primed {
		if avail < primeSamples {
			return
		}
		in.primed = true
	}
	if avail > maxBuffered {
		skip := avail - primeSamples
		r += uint64(skip)
		avail -= skip
	}
	n := min(avail, len(out))
	for i := 0; i < n; i++ {
		s := int32(out[i]) + int32(in.ring[(r+uint64(i))%ringSize])
		out[i] = int16(max(-32768, min(32767, s)))
	}
	in.read.Store(r + uint64(n))
	if n < len(out) {
		in.primed = false // ran dry: buffer one packet again before resuming
	}
}
