package audio

// #include "mix.h"
import "C"

import (
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"

	"confer/media/devring"
)

// The playback device's callback mixes in C and never enters Go (the
// package devring says why). What it played still reaches the taps (the
// echo canceller, latency measurements) with the time the device took it,
// as before: while anyone taps, the callback keeps it in a devring.Ring,
// and the pump, a goroutine waiting on that ring, hands the blocks to the
// taps. With no tap the callback does not wake the pump.

// pump hands a Mixer's taps what a device played.
type pump struct {
	m    *Mixer
	ring *devring.Ring
	done chan struct{}
}

// attachPump makes dev mix m in C and starts the pump; on an error dev
// still calls into Go.
func attachPump(m *Mixer, dev *malgo.Device, ctx *malgo.AllocatedContext, rate int) (*pump, error) {
	ring, err := devring.New()
	if err != nil {
		return nil, err
	}
	m.mem.c.playedRing = ring.C() // before the device starts
	if err := devring.Attach(dev, ctx, malgo.Playback, rate, unsafe.Pointer(C.mixerDeviceData), unsafe.Pointer(m.mem.c)); err != nil {
		ring.Free()
		return nil, err
	}
	p := &pump{m: m, ring: ring, done: make(chan struct{})}
	go p.run()
	return p, nil
}

// run hands the taps what was played after every callback, until stop.
func (p *pump) run() {
	defer close(p.done)
	for p.ring.Wait() == nil {
		p.ring.Drain(p.m.tapPlayed)
	}
}

// stop ends run; the device must be uninitialised first.
func (p *pump) stop() {
	p.ring.Close()
	<-p.done
	p.ring.Drain(p.m.tapPlayed)
	p.ring.Free()
}

// tapPlayed gives the taps a block the device played at at.
func (m *Mixer) tapPlayed(pcm []int16, at time.Time) {
	for _, t := range *m.taps.Load() {
		t.Write(pcm, at)
	}
}
