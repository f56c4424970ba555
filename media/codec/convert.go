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
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	if w <= 0 || h <= 0 || f.Width <= 0 || f.Height <= 0 || !planesFit(f) {
		return ErrBadFrame
	}
	src := f
	if f.Width != w || f.Height != h {
		if c.scaled == nil || c.scaled.Width != w || c.scaled.Height != h {
			c.scaled = media.NewI420(w, h)
		}
		s := c.scaled
		C.I420Scale(
			ptr(f.Y), C.int(f.YStride), ptr(f.U), C.int(f.UStride), ptr(f.V), C.int(f.VStride),
			C.int(f.Width), C.int(f.Height),
			ptr(s.Y), C.int(s.YStride), ptr(s.U), C.int(s.UStride), ptr(s.V), C.int(s.VStride),
			C.int(w), C.int(h), C.kFilterBilinear)
		src = s
	}
	out := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y):]
	target := out
	if mirror {
		if cap(c.rgba) < w*h*4 {
			c.rgba = make([]byte, w*h*4)
		}
		target = c.rgba[:w*h*4]
	}
	stride := dst.Stride
	if mirror {
		stride = w * 4
	}
	// libyuv names formats by word order: its "ABGR" is R,G,B,A in memory,
	// which is image.RGBA's layout.
	C.I420ToABGR(ptr(src.Y), C.int(src.YStride), ptr(src.U), C.int(src.UStride), ptr(src.V), C.int(src.VStride),
		ptr(target), C.int(stride), C.int(w), C.int(h))
	if mirror {
		C.ARGBMirror(ptr(target), C.int(w*4), ptr(out), C.int(dst.Stride), C.int(w), C.int(h))
	}
	return nil
}

func ptr(b []byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(&b[0])) }

// planesFit checks the planes hold what the strides and size promise, so C
// never reads past a slice.
func planesFit(f *media.VideoFrame) bool {
	cw, ch := f.ChromaSize()
	return planeOK(f.Y, f.YStride, f.Width, f.Height) &&
		planeOK(f.U, f.UStride, cw, ch) && planeOK(f.V, f.VStride, cw, ch)
}
