// Package devring lets a sound device's thread hand audio to Go, or take
// it, without calling into Go.
//
// A device callback that calls into Go costs a core's idle time: each
// return from Go to the device's thread leaves the runtime's P in a system
// call; the runtime's monitor thread takes it back and starts polling
// every 20 µs again (golang/go#18236). At 100 callbacks a second that was
// some 3,000 thread switches a second and 7 % of a core for a window in a
// call with no video, against 2 % with no device open. The device's thread
// also waited for a free P whenever Go was busy. So callbacks are C: they
// copy into a Ring and write a byte to a pipe, and Go waits on the pipe
// through its poller, an ordinary wake-up of a goroutine.
package devring

// #include <stdlib.h>
// #include "devring.h"
import "C"

import (
	"errors"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
)

// Block is a ring block's size in samples: 10 ms at 48 kHz.
const Block = C.DEVRING_BLOCK

// BackendNull is miniaudio's ma_backend_null: a device that plays nowhere
// and records silence, at the real pace. malgo v0.11.24's BackendNull
// constant is one short (it is ma_backend_custom, since malgo's list lacks
// "custom"), and asking for it fails with "No backend".
const BackendNull = malgo.Backend(malgo.BackendNull + 1)

// ErrLayout means malgo's device is not laid out as devAttach expects.
var ErrLayout = errors.New("this malgo's sound device is not laid out as expected")

// ErrClosed is what Wait returns once the ring is closed.
var ErrClosed = errors.New("device ring closed")

// Ring is blocks of audio from a device's thread, and the pipe it wakes Go
// with. Its C part is C memory: the device's thread may use it until the
// device is uninitialised. Free releases it; a Ring that becomes
// unreachable without Free is released then.
type Ring struct {
	mem  *ringMem
	wake *os.File // the pipe's read end; the device's thread writes the other
	rc   syscall.RawConn
	buf  []byte
}

// ringMem is what Free, or the cleanup, releases.
type ringMem struct {
	c     *C.devRing
	wakeW int
	freed atomic.Bool
}

// New makes an empty ring.
func New() (*Ring, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return nil, err
	}
	wake := os.NewFile(uintptr(fds[0]), "sound-device-wake") // non-blocking: Go's poller waits on it
	rc, err := wake.SyscallConn()
	if err != nil {
		_ = wake.Close()
		_ = syscall.Close(fds[1])
		return nil, err
	}
	c := (*C.devRing)(C.calloc(1, C.sizeof_devRing))
	c.wakeFd = C.int32_t(fds[1])
	r := &Ring{mem: &ringMem{c: c, wakeW: fds[1]}, wake: wake, rc: rc, buf: make([]byte, 64)}
	runtime.AddCleanup(r, (*ringMem).free, r.mem)
	return r, nil
}

func (m *ringMem) free() {
	if m.freed.Swap(true) {
		return
	}
	_ = syscall.Close(m.wakeW)
	C.free(unsafe.Pointer(m.c))
}

// C is the ring's C struct, for a package's own callback (devRingPut).
func (r *Ring) C() unsafe.Pointer { return unsafe.Pointer(r.mem.c) }

// AttachCapture makes a capture device put what it records into r.
func (r *Ring) AttachCapture(dev *malgo.Device, ctx *malgo.AllocatedContext, rate int) error {
	return Attach(dev, ctx, malgo.Capture, rate, unsafe.Pointer(C.devCaptureData), r.C())
}

// Attach makes dev call the C function proc (a devDataProc) with user as
// its user data, instead of calling into Go.
func Attach(dev *malgo.Device, ctx *malgo.AllocatedContext, typ malgo.DeviceType, rate int, proc, user unsafe.Pointer) error {
	// malgo's Device and Context hold only a pointer to their C struct.
	devPtr := *(*unsafe.Pointer)(*(*unsafe.Pointer)(unsafe.Pointer(dev)))
	ctxPtr := *(*unsafe.Pointer)(*(*unsafe.Pointer)(unsafe.Pointer(&ctx.Context)))
	if C.devAttach(devPtr, ctxPtr, C.uint32_t(typ), C.uint32_t(rate), C.devDataProc(proc), user) != 1 {
		return ErrLayout
	}
	return nil
}

// Wait returns once the device has written since the last Wait, or
// ErrClosed after Close. One goroutine at a time may wait.
func (r *Ring) Wait() error {
	if err := r.rc.Read(r.readNoWake); err != nil {
		return ErrClosed
	}
	return nil
}

// readNoWake reads the wake-up pipe, reporting false when it is empty so
// that Go's poller waits for it. It is a raw system call: an ordinary one
// tells the runtime it enters a system call, which wakes the runtime's
// monitor thread from its sleep into polling every 20 µs again, a hundred
// times a second; a read of a pipe with data in it is too short to matter
// to the scheduler.
func (r *Ring) readNoWake(fd uintptr) bool {
	_, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)))
	return errno != syscall.EAGAIN
}

// Drain calls f with each block written since the last Drain, oldest
// first, stamped with the time the device handled its first sample. pcm
// is valid only during the call. One goroutine at a time may take blocks.
func (r *Ring) Drain(f func(pcm []int16, at time.Time)) {
	for r.Next(f) {
	}
}

// Next calls f with the oldest block not yet taken, if there is one.
func (r *Ring) Next(f func(pcm []int16, at time.Time)) bool {
	c := r.mem.c
	rp := (*uint64)(unsafe.Pointer(&c.r))
	i := atomic.LoadUint64(rp)
	if i == atomic.LoadUint64((*uint64)(unsafe.Pointer(&c.w))) {
		return false
	}
	b := &c.blocks[i%C.DEVRING_BLOCKS]
	f(unsafe.Slice((*int16)(unsafe.Pointer(&b.pcm[0])), b.n), time.Unix(0, int64(b.at)))
	atomic.StoreUint64(rp, i+1) // hands the block back
	return true
}

// Put is what a device's callback that calls into Go puts into the ring,
// where the C callback cannot be attached.
func (r *Ring) Put(pcm []int16) {
	if len(pcm) > 0 {
		C.devRingPut(r.mem.c, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.uint32_t(len(pcm)), C.devNow())
	}
}

// Dropped is how many blocks the device had no room for.
func (r *Ring) Dropped() uint64 {
	return atomic.LoadUint64((*uint64)(unsafe.Pointer(&r.mem.c.dropped)))
}

// Close makes Wait return ErrClosed, now and from then on.
func (r *Ring) Close() { _ = r.wake.Close() }

// Free releases the ring now; the device must be uninitialised and no one
// using the ring.
func (r *Ring) Free() {
	r.Close()
	r.mem.free()
}
