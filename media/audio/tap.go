package audio

import (
	"sync/atomic"
	"time"

	"confer/media"
)

// A tap holds tapBlocks blocks of up to one 10 ms device period each: 1.28 s
// at the player's pace, far more than a reader polling every few tens of
// milliseconds needs.
const (
	tapBlockSamples = media.SampleRate / 100
	tapBlocks       = 128
)

// Tap copies what a Mixer hands to the playback device, with the time of
// each hand-over, so another goroutine can measure it. Write runs in the
// device callback, so it only copies into a preallocated single-producer
// single-consumer ring: no locks, no allocation. When the reader falls a
// whole ring behind, the newest blocks are dropped and counted.
type Tap struct {
	blocks  [tapBlocks]tapBlock
	write   atomic.Uint64 // blocks written (producer-owned)
	read    atomic.Uint64 // blocks read (consumer-owned)
	dropped atomic.Uint64
}

type tapBlock struct {
	at  int64 // unix ns at which pcm[0] was handed over
	n   int
	pcm [tapBlockSamples]int16
}

// NewTap returns an empty tap; Mixer.AddTap attaches it.
func NewTap() *Tap { return &Tap{} }

// Write records pcm as handed to the device at at. Later samples of pcm are
// stamped at their offset from at at 48 kHz, the time the device reaches them.
func (t *Tap) Write(pcm []int16, at time.Time) {
	atNs := at.UnixNano()
	for off := 0; off < len(pcm); off += tapBlockSamples {
		w := t.write.Load()
		if w-t.read.Load() == tapBlocks {
			t.dropped.Add(1)
			continue
		}
		b := &t.blocks[w%tapBlocks]
		b.n = copy(b.pcm[:], pcm[off:])
		b.at = atNs + int64(off)*int64(time.Second)/media.SampleRate
		t.write.Store(w + 1)
	}
}

// Drain calls f with each block written since the last Drain, oldest first.
// pcm is valid only during the call. One goroutine at a time may drain.
func (t *Tap) Drain(f func(pcm []int16, at time.Time)) {
	w := t.write.Load()
	for r := t.read.Load(); r < w; r++ {
		b := &t.blocks[r%tapBlocks]
		f(b.pcm[:b.n], time.Unix(0, b.at))
		t.read.Store(r + 1) // hands the block back to Write
	}
}

// Dropped is how many blocks Write had no room for.
func (t *Tap) Dropped() uint64 { return t.dropped.Load() }
