package codec

/*
#cgo LDFLAGS: -lyuv
#include <stdint.h>
#include <libyuv/convert.h>
#include <libyuv/scale.h>
*/
import "C"

import (
	"image"

	"confer/media"
)

// RGBAToI420 converts src (image.RGBA's R,G,B,A byte order) into dst, which
// must have src's size. A screen capture arrives this way.
func RGBAToI420(src *image.RGBA, dst *media.VideoFrame) error {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	if w <= 0 || h <= 0 || dst.Width != w || dst.Height != h || !planesFit(dst) ||
		len(src.Pix) < src.PixOffset(src.Rect.Max.X-1, src.Rect.Max.Y-1)+4 {
		return ErrBadFrame
	}
	pix := src.Pix[src.PixOffset(src.Rect.Min.X, src.Rect.Min.Y):]
	// libyuv's "ABGR" is R,G,B,A in memory (it names formats by word order).
	C.ABGRToI420(ptr(pix), C.int(src.Stride),
		ptr(dst.Y), C.int(dst.YStride), ptr(dst.U), C.int(dst.UStride), ptr(dst.V), C.int(dst.VStride),
		C.int(w), C.int(h))
	return nil
}

// ScaleI420 scales src into dst's size (bilinear).
func ScaleI420(src, dst *media.VideoFrame) error {
	if src.Width <= 0 || src.Height <= 0 || dst.Width <= 0 || dst.Height <= 0 || !planesFit(src) || !planesFit(dst) {
		return ErrBadFrame
	}
	C.I420Scale(
		ptr(src.Y), C.int(src.YStride), ptr(src.U), C.int(src.UStride), ptr(src.V), C.int(src.VStride),
		C.int(src.Width), C.int(src.Height),
		ptr(dst.Y), C.int(dst.YStride), ptr(dst.U), C.int(dst.UStride), ptr(dst.V), C.int(dst.VStride),
		C.int(dst.Width), C.int(dst.Height), C.kFilterBilinear)
	return nil
}

// Fit returns the largest even size with fw×fh's shape inside tw×th,
// larger or smaller: a picture fitted to the place that shows it.
func Fit(fw, fh, tw, th int) (int, int) {
	w, h := tw, tw*fh/fw
	if h > th {
		w, h = th*fw/fh, th
	}
	return max(2, w&^1), max(2, h&^1)
}

// FitWithin returns the largest even size with w×h's shape inside
// maxW×maxH, or w×h itself (made even) when it already fits.
func FitWithin(w, h, maxW, maxH int) (int, int) {
	if w > maxW || h > maxH {
		return Fit(w, h, maxW, maxH)
	}
	return max(2, w&^1), max(2, h&^1)
}
