package codec

/*
#cgo LDFLAGS: -lyuv
#include <stdint.h>
#include <libyuv/scale.h>
#include <libyuv/convert_from.h>
#include <libyuv/planar_functions.h>
*/
import "C"

import (
	"image"
	"unsafe"

	"confer/media"
)

// Converter turns I420 frames into RGBA pictures of any size, with libyuv.
// It keeps its intermediate buffers between calls, so converting a stream
// allocates nothing once the sizes settle. Not safe for concurrent use.
type Converter struct {
	scaled *media.VideoFrame // src scaled to the target size, reused
	rgba   []byte            // mirror source when mirroring, reused
}

// ToRGBA scales f to dst's size (bilinear) and converts it into dst.
// mirror flips it left to right, as people expect of a self-view.
func (c *Converter) ToRGBA(f *media.VideoFrame, dst *image.RGBA, mirror bool) error {
	out := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y):]
	return c.convert(f, out, dst.Stride, dst.Rect.Dx(), dst.Rect.Dy(), mirror, false)
}

// ToBGRA is ToRGBA into w×h pixels of B, G, R, A bytes, stride bytes a
// row: the layout of an X11 window's 32-bit pixels on a little-endian
// machine.
func (c *Converter) ToBGRA(f *media.VideoFrame, pix []byte, stride, w, h int, mirror bool) error {
	if stride < 4*w || len(pix) < (h-1)*stride+4*w {
		return ErrBadFrame
	}
	return c.convert(f, pix, stride, w, h, mirror, true)
}

func (c *Converter) convert(f *media.VideoFrame, out []byte, stride, w, h int, mirror, bgra bool) error {
	if w <= 0 || h <= 0 || f.Width <= 0 || f.Height <= 0 || !planesFit(f) {
		return ErrBadFrame
	}
	src := c.scale(f, w, h)
	target, tstride := out, stride
	if mirror {
		if cap(c.rgba) < w*h*4 {
			c.rgba = make([]byte, w*h*4)
		}
		target, tstride = c.rgba[:w*h*4], w*4
	}
	// libyuv names formats by word order: its "ABGR" is R,G,B,A in memory,
	// which is image.RGBA's layout, and its "ARGB" is B,G,R,A.
	if bgra {
		C.I420ToARGB(ptr(src.Y), C.int(src.YStride), ptr(src.U), C.int(src.UStride), ptr(src.V), C.int(src.VStride),
			ptr(target), C.int(tstride), C.int(w), C.int(h))
	} else {
		C.I420ToABGR(ptr(src.Y), C.int(src.YStride), ptr(src.U), C.int(src.UStride), ptr(src.V), C.int(src.VStride),
			ptr(target), C.int(tstride), C.int(w), C.int(h))
	}
	if mirror {
		C.ARGBMirror(ptr(target), C.int(w*4), ptr(out), C.int(stride), C.int(w), C.int(h))
	}
	return nil
}

// scale returns f at w×h (bilinear), in a buffer reused between calls.
func (c *Converter) scale(f *media.VideoFrame, w, h int) *media.VideoFrame {
	if f.Width == w && f.Height == h {
		return f
	}
	if c.scaled == nil || c.scaled.Width != w || c.scaled.Height != h {
		c.scaled = media.NewI420(w, h)
	}
	s := c.scaled
	C.I420Scale(
		ptr(f.Y), C.int(f.YStride), ptr(f.U), C.int(f.UStride), ptr(f.V), C.int(f.VStride),
		C.int(f.Width), C.int(f.Height),
		ptr(s.Y), C.int(s.YStride), ptr(s.U), C.int(s.UStride), ptr(s.V), C.int(s.VStride),
		C.int(w), C.int(h), C.kFilterBilinear)
	return s
}

func ptr(b []byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(&b[0])) }

// planesFit checks the planes hold what the strides and size promise, so C
// never reads past a slice.
func planesFit(f *media.VideoFrame) bool {
	cw, ch := f.ChromaSize()
	return planeOK(f.Y, f.YStride, f.Width, f.Height) &&
		planeOK(f.U, f.UStride, cw, ch) && planeOK(f.V, f.VStride, cw, ch)
}
