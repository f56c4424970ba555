package audio

// #include <stdlib.h>
// #include "mix.h"
import "C"

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"confer/media"
)

// The mixer's bounds, shared with mix.h, in samples at 48 kHz.
const (
	// primeSamples is how much an input buffers before it starts playing
	// (and again after running dry): one 20 ms packet, enough on a clean
	// network, since packets arrive every 20 ms.
	primeSamples = C.MIX_PRIME
	// maxBuffered caps an input's delay; beyond it the oldest audio is
	// skipped, so a burst after a stall does not leave the call behind.
	maxBuffered = C.MIX_MAX_BUFFERED
	ringSize    = C.MIX_RING
)

// Mixer sums any number of PCM streams for one playback device. Writers are
// the receive goroutines; the reader is the device's callback, which never
// blocks, allocates or logs, and never enters Go: the summing is C
// (mix.c). Each input is a single-producer single-consumer ring, and the
// set of inputs an immutable C array swapped atomically.
type Mixer struct {
	mem  *mixerMem
	taps atomic.Pointer[[]*Tap]
	mu   sync.Mutex // serialises changes to the input set and taps
}

// mixerMem is what the C side reads, and what keeps Go memory it reads
// pinned. It outlives the Mixer by a cleanup, which frees it.
type mixerMem struct {
	c       *C.cmixer
	pins    map[*Input]*runtime.Pinner // inputs in the current set
	retired []retired
}

// retired is a set swapped out, and an input's pin, to release once every
// mix that could have read them has finished.
type retired struct {
	set   *C.mixSet
	pin   *runtime.Pinner
	mixes uint64 // mixes finished when it was swapped out
}

// NewMixer returns a mixer with no inputs.
func NewMixer() *Mixer {
	c := (*C.cmixer)(C.calloc(1, C.sizeof_cmixer))
	c.set = (*C.mixSet)(C.calloc(1, C.sizeof_mixSet))
	mem := &mixerMem{c: c, pins: map[*Input]*runtime.Pinner{}}
	m := &Mixer{mem: mem}
	m.taps.Store(&[]*Tap{})
	runtime.AddCleanup(m, (*mixerMem).free, mem)
	return m
}

// Input is one stream into the mixer; it is a media.PCMSink.
type Input struct {
	c *C.mixIn // Go memory, pinned while in the mixer's set
	m *Mixer
}

// NewInput adds a stream. Close removes it.
func (m *Mixer) NewInput() *Input {
	in := &Input{c: new(C.mixIn), m: m}
	m.mu.Lock()
	defer m.mu.Unlock()
	pin := &runtime.Pinner{}
	pin.Pin(in.c)
	m.mem.pins[in] = pin
	m.swapSet(nil)
	return in
}

func (in *Input) ring() *[ringSize]int16 { return (*[ringSize]int16)(unsafe.Pointer(&in.c.ring)) }
func (in *Input) write() *uint64         { return (*uint64)(unsafe.Pointer(&in.c.write)) }
func (in *Input) read() *uint64          { return (*uint64)(unsafe.Pointer(&in.c.read)) }

// WritePCM queues samples. When the ring is full the newest samples are
// dropped; mixing keeps the queue short, so that only happens if playback
// stopped. A closed input takes samples and plays none.
func (in *Input) WritePCM(pcm []int16) {
	w, r := atomic.LoadUint64(in.write()), atomic.LoadUint64(in.read())
	free := ringSize - int(w-r)
	if len(pcm) > free {
		pcm = pcm[:free]
	}
	ring := in.ring()
	for i, s := range pcm {
		ring[(w+uint64(i))%ringSize] = s
	}
	atomic.StoreUint64(in.write(), w+uint64(len(pcm)))
}

// Close removes the input from its mixer.
func (in *Input) Close() error {
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	pin, ok := m.mem.pins[in]
	if !ok {
		return nil
	}
	delete(m.mem.pins, in)
	m.swapSet(pin)
	return nil
}

// Buffered is how many samples wait to be played.
func (in *Input) Buffered() int {
	return int(atomic.LoadUint64(in.write()) - atomic.LoadUint64(in.read()))
}

// swapSet gives the mixing a new set of the inputs in pins and retires the
// old one, with the pin of an input it no longer holds (nil when none); it
// also releases what is no longer read. Called with mu held.
func (m *Mixer) swapSet(dropped *runtime.Pinner) {
	mem := m.mem
	set := (*C.mixSet)(C.calloc(1, C.size_t(C.sizeof_mixSet+len(mem.pins)*int(unsafe.Sizeof(uintptr(0))))))
	ins := unsafe.Slice((**C.mixIn)(unsafe.Add(unsafe.Pointer(set), C.sizeof_mixSet)), len(mem.pins))
	i := 0
	for in := range mem.pins {
		ins[i] = in.c
		i++
	}
	set.n = C.uint32_t(len(ins))
	old := C.mixerSwap(mem.c, set)
	mem.retired = append(mem.retired, retired{set: old, pin: dropped, mixes: mem.mixes()})
	mem.release(false)
}

// mixes is how many mixes have finished.
func (mem *mixerMem) mixes() uint64 {
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&mem.c.mixes)))
}

// release frees retired sets and unpins retired inputs that no mix can be
// reading any more (a mix has finished since), or all of them.
func (mem *mixerMem) release(all bool) {
	done := mem.mixes()
	kept := mem.retired[:0]
	for _, r := range mem.retired {
		if !all && r.mixes >= done {
			kept = append(kept, r)
			continue
		}
		C.free(unsafe.Pointer(r.set))
		if r.pin != nil {
			r.pin.Unpin()
		}
	}
	mem.retired = kept
}

// free releases everything once the Mixer is gone; no device plays it then.
func (mem *mixerMem) free() {
	mem.release(true)
	for _, pin := range mem.pins {
		pin.Unpin()
	}
	C.free(unsafe.Pointer(mem.c.set))
	C.free(unsafe.Pointer(mem.c))
}

// Mix fills out with the sum of all inputs, clipped, and hands it to the
// taps as played now: for a device that calls Go.
func (m *Mixer) Mix(out []int16) {
	if len(out) == 0 {
		return
	}
	C.mixerMix(m.mem.c, (*C.int16_t)(unsafe.Pointer(&out[0])), C.uint32_t(len(out)))
	m.tapPlayed(out, time.Now())
}

// AddTap makes every Mix copy what it hands out to t, until RemoveTap.
// Each reader of the playback (an echo canceller, a latency measurement,
// a simulated room) has its own tap: a tap has one reader.
func (m *Mixer) AddTap(t *Tap) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := *m.taps.Load()
	next := append(append(make([]*Tap, 0, len(old)+1), old...), t)
	m.setTaps(next)
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
	m.setTaps(next)
}

// setTaps makes taps the mixer's, and tells a device's callback whether to
// keep what it plays for them. Called with mu held.
func (m *Mixer) setTaps(taps []*Tap) {
	m.taps.Store(&taps)
	tapping := int32(0)
	if len(taps) > 0 {
		tapping = 1
	}
	atomic.StoreInt32((*int32)(unsafe.Pointer(&m.mem.c.tapping)), tapping)
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
func (m *Mixer) Played() int64 {
	return int64(atomic.LoadUint64((*uint64)(unsafe.Pointer(&m.mem.c.played))))
}
