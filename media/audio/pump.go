package audio

// #include "mix.h"
import "C"

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// Why the device's callback is C: a callback that calls into Go costs a
// core's idle time. Each return from Go to the device's thread leaves the
// runtime's P in a system call; the runtime's monitor thread takes it back
// and starts polling every 20 µs again (golang/go#18236): some 3,000
// thread switches a second at 100 callbacks a second, 7 % of a core for a
// window in a call with no video, against 2 % with the device closed. It
// also made the device's thread wait for a free P whenever Go was busy. So
// the callback mixes in C (mix.c) and never enters Go.
//
// What it played still reaches the taps (the echo canceller, latency
// measurements) with the time the device took it, as before: the callback
// keeps it in a ring of blocks and writes a byte to a pipe, and the pump, a
// goroutine waiting on that pipe through Go's poller, hands the blocks to
// the taps. With no tap the callback writes nothing and the pump sleeps.

var errDeviceLayout = errors.New("this malgo's playback device is not laid out as expected")

// pump hands a Mixer's taps what a device played.
type pump struct {
	m     *Mixer
	wake  *os.File // the pipe's read end; the device's thread writes the other
	wakeW int
	done  chan struct{}
}

// attachPump makes dev mix m in C and starts the pump; nil leaves dev
// calling into Go, when its layout is not the one expected.
func attachPump(m *Mixer, dev *malgo.Device, ctx *malgo.AllocatedContext, rate int) (*pump, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return nil, err
	}
	m.mem.c.wakeFd = C.int32_t(fds[1]) // before the device starts
	// malgo's Device and Context hold only a pointer to their C struct.
	devPtr := *(*unsafe.Pointer)(*(*unsafe.Pointer)(unsafe.Pointer(dev)))
	ctxPtr := *(*unsafe.Pointer)(*(*unsafe.Pointer)(unsafe.Pointer(&ctx.Context)))
	if C.mixerAttach(devPtr, ctxPtr, C.uint32_t(rate), m.mem.c) != 1 {
		_ = syscall.Close(fds[0])
		_ = syscall.Close(fds[1])
		return nil, errDeviceLayout
	}
	p := &pump{
		m:     m,
		wake:  os.NewFile(uintptr(fds[0]), "playback-wake"), // non-blocking: Go's poller waits on it
		wakeW: fds[1],
		done:  make(chan struct{}),
	}
	go p.run()
	return p, nil
}

// run hands the taps what was played after every callback, until stop.
func (p *pump) run() {
	defer close(p.done)
	rc, err := p.wake.SyscallConn()
	if err != nil {
		return
	}
	wake := make([]byte, 64) // callbacks since the last read, coalesced
	for {
		if err := rc.Read(func(fd uintptr) bool { return readNoWake(fd, wake) }); err != nil {
			return // stop closed the pipe
		}
		p.m.handPlayedToTaps()
	}
}

// readNoWake reads the wake-up pipe, reporting false when it is empty so
// that Go's poller waits for it. It is a raw system call: an ordinary one
// tells the runtime it enters a system call, which wakes the runtime's
// monitor thread from its sleep into polling every 20 µs again, a hundred
// times a second; a read of a pipe with data in it is too short to matter
// to the scheduler.
func readNoWake(fd uintptr, buf []byte) bool {
	_, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return errno != syscall.EAGAIN
}

// stop ends run; the device must be uninitialised first.
func (p *pump) stop() {
	_ = p.wake.Close()
	<-p.done
	_ = syscall.Close(p.wakeW)
	p.m.handPlayedToTaps()
}

// handPlayedToTaps gives the taps the blocks the device played since the
// last call, each stamped with the time the device took it. One goroutine
// at a time may call it.
func (m *Mixer) handPlayedToTaps() {
	c := m.mem.c
	w := atomic.LoadUint64((*uint64)(unsafe.Pointer(&c.blocksW)))
	for r := atomic.LoadUint64((*uint64)(unsafe.Pointer(&c.blocksR))); r < w; r++ {
		b := &c.blocks[r%C.PLAYED_BLOCKS]
		pcm := unsafe.Slice((*int16)(unsafe.Pointer(&b.pcm[0])), b.n)
		at := time.Unix(0, int64(b.at))
		for _, t := range *m.taps.Load() {
			t.Write(pcm, at)
		}
		atomic.StoreUint64((*uint64)(unsafe.Pointer(&c.blocksR)), r+1) // hands the block back
	}
}
