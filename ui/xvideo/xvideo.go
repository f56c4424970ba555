//go:build linux && !wayland

// Package xvideo paints video into X11 child windows of the app's window,
// through shared memory (MIT-SHM), so that a new frame costs a conversion
// and a copy in the X server instead of a repaint of the whole window by
// Fyne's OpenGL painter (on a machine without a GPU, Mesa's llvmpipe
// repaints every pixel of the window on the CPU for each frame).
//
// The child windows let clicks through to the window under them, and a
// surface is shown only while the app has nothing of its own over the
// picture (see VideoTile.SyncSurface).
package xvideo

/*
#cgo pkg-config: xcb xcb-shm xcb-shape
#include "xvideo.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"image/color"
	"sync"
	"unsafe"

	"confer/media"
	"confer/media/codec"
)

// ErrUnsupported: this display cannot take pictures this way; the caller
// paints with Fyne instead.
var ErrUnsupported = errors.New("xvideo: native video painting is not available")

var openErrors = map[C.int]string{
	C.XV_NO_DISPLAY: "no X display",
	C.XV_NO_SHM:     "the X server cannot share memory with this process (MIT-SHM)",
	C.XV_NO_SHAPE:   "the X server lacks the SHAPE extension",
	C.XV_NO_WINDOW:  "the window is gone",
	C.XV_BAD_VISUAL: "the window's pixels are not 32-bit RGB",
	C.XV_NO_MEMORY:  "no shared memory segment",
}

func openError(code C.int) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, openErrors[code])
}

// Conn is a connection to the X server for the surfaces of one window. XCB
// is thread-safe, so surfaces use it from their own goroutines.
type Conn struct {
	x *C.xvConn // C memory: XCB keeps no pointer to it, but cgo calls take it
}

// Open connects to $DISPLAY for surfaces inside the window parent (an X11
// window ID, from fyne's driver.X11WindowContext).
func Open(parent uintptr) (*Conn, error) {
	x := (*C.xvConn)(C.calloc(1, C.sizeof_xvConn))
	if code := C.xvOpen(x, C.uint32_t(parent)); code != C.XV_OK {
		C.xvClose(x)
		C.free(unsafe.Pointer(x))
		return nil, openError(code)
	}
	return &Conn{x: x}, nil
}

// Close ends the connection. Every surface must be closed first.
func (c *Conn) Close() {
	C.xvClose(c.x)
	C.free(unsafe.Pointer(c.x))
	c.x = nil
}

// Surface is one child window that shows pictures. Put is called from the
// goroutine that decodes the video, Place and Hide from the UI goroutine;
// mu serialises them over the surface's C state. What it holds mu for is a
// conversion into shared memory and requests to the local X server, never
// a callback.
type Surface struct {
	conn *Conn

	mu     sync.Mutex
	s      *C.xvSurface // C memory
	x, y   int          // where the window is in the parent, in pixels
	w, h   int          // the window's size in pixels, 0 while hidden
	conv   codec.Converter
	closed bool
}

// NewSurface makes a hidden child window whose empty parts show background.
func (c *Conn) NewSurface(background color.Color) (*Surface, error) {
	s := (*C.xvSurface)(C.calloc(1, C.sizeof_xvSurface))
	if code := C.xvCreate(c.x, s, C.uint32_t(pixel(background))); code != C.XV_OK {
		C.free(unsafe.Pointer(s))
		return nil, openError(code)
	}
	return &Surface{conn: c, s: s}, nil
}

// pixel is c as a 32-bit X pixel: opaque, R, G, B at 24, 16, 8, 0.
func pixel(c color.Color) uint32 {
	r, g, b, _ := c.RGBA()
	return 0xff000000 | (r>>8)<<16 | (g>>8)<<8 | b>>8
}

// Window is the surface's X11 window ID.
func (s *Surface) Window() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	return uint32(s.s.win)
}

// Place puts the window at (x, y) in the parent, w×h pixels. It appears with
// the next picture.
func (s *Surface) Place(x, y, w, h int) {
	if w <= 0 || h <= 0 {
		s.Hide()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || (x == s.x && y == s.y && w == s.w && h == s.h) {
		return
	}
	s.x, s.y, s.w, s.h = x, y, w, h
	C.xvPlace(s.conn.x, s.s, C.int(x), C.int(y), C.int(w), C.int(h))
}

// Hide takes the window off the screen until it is placed again.
func (s *Surface) Hide() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.w == 0 {
		return
	}
	s.w, s.h = 0, 0
	C.xvPlace(s.conn.x, s.s, 0, 0, 0, 0)
}

// Put shows f, scaled to fit the window with its aspect kept, mirrored on
// request. It returns false when nothing was shown: the surface is hidden
// or closed, or f is malformed. When it returns true the picture is on its
// way to the X server, which copies it to the screen as it reads it.
func (s *Surface) Put(f *media.VideoFrame, mirror bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.w <= 0 || f.Width <= 0 || f.Height <= 0 {
		return false
	}
	w, h := codec.Fit(f.Width, f.Height, s.w, s.h)
	size := w * h * 4
	mem := C.xvBegin(s.conn.x, s.s, C.uint32_t(size))
	if mem == nil {
		return false
	}
	pix := unsafe.Slice((*byte)(unsafe.Pointer(mem)), size)
	if s.conv.ToBGRA(f, pix, w*4, w, h, mirror) != nil {
		return false
	}
	C.xvShow(s.conn.x, s.s, C.int(w), C.int(h), C.int((s.w-w)/2), C.int((s.h-h)/2))
	return true
}

// segmentBytes is the shared memory the surface holds, both buffers.
func (s *Surface) segmentBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.s == nil {
		return 0
	}
	return int(s.s.buf[0].size) + int(s.s.buf[1].size)
}

// Close destroys the window and frees its memory; later calls do nothing.
func (s *Surface) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	C.xvDestroy(s.conn.x, s.s)
	C.free(unsafe.Pointer(s.s))
	s.s = nil
}
