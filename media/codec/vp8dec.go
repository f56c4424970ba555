package codec

/*
#cgo pkg-config: vpx
#include <stdlib.h>
#include <string.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vp8dx.h>

// Decoder state in C memory, see confer_vp8enc.
typedef struct {
	vpx_codec_ctx_t ctx;
	// C-owned copy of the input. libvpx records the input pointer in its
	// context (fragment bookkeeping) and it would outlive the call, which the
	// cgo rules forbid for Go memory; copying a few KB per frame is cheap.
	unsigned char *in;
	size_t in_cap;
	// Results of the last decode: img is owned by libvpx and valid until the
	// next decode call; Go copies the planes out before releasing the lock.
	vpx_image_t *img;
	int corrupted;
} confer_vp8dec;

static vpx_codec_err_t confer_vp8dec_open(confer_vp8dec **out) {
	confer_vp8dec *d = calloc(1, sizeof *d);
	if (d == NULL) return VPX_CODEC_MEM_ERROR;
	vpx_codec_dec_cfg_t cfg = {0};
	cfg.threads = 1;
	vpx_codec_err_t r = vpx_codec_dec_init(&d->ctx, vpx_codec_vp8_dx(), &cfg, 0);
	if (r != VPX_CODEC_OK) { free(d); return r; }
	*out = d;
	return VPX_CODEC_OK;
}

static vpx_codec_err_t confer_vp8dec_decode(confer_vp8dec *d, const unsigned char *data, size_t n) {
	d->img = NULL;
	d->corrupted = 0;
	if (n > d->in_cap) {
		size_t c = d->in_cap * 2;
		if (c < n) c = n;
		unsigned char *p = realloc(d->in, c);
		if (p == NULL) return VPX_CODEC_MEM_ERROR;
		d->in = p;
		d->in_cap = c;
	}
	memcpy(d->in, data, n);

	vpx_codec_err_t r = vpx_codec_decode(&d->ctx, d->in, (unsigned int)n, NULL, 0);
	if (r != VPX_CODEC_OK) return r;

	vpx_codec_iter_t it = NULL;
	d->img = vpx_codec_get_frame(&d->ctx, &it);
	if (d->img != NULL) {
		// A frame predicted from a damaged reference decodes "successfully"
		// into garbage; libvpx tracks that and we surface it.
		int corrupted = 0;
		if (vpx_codec_control(&d->ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) == VPX_CODEC_OK)
			d->corrupted = corrupted;
	}
	return VPX_CODEC_OK;
}

static void confer_vp8dec_close(confer_vp8dec *d) {
	vpx_codec_destroy(&d->ctx);
	free(d->in);
	free(d);
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"confer/media"
)

// The largest picture the decoder accepts: a 4K screen (4096×2304 pixels),
// and no side over 8192 (an ultrawide screen fits). VP8 itself allows
// 16383×16383, which a hostile sender could announce in a keyframe of a
// few bytes to make every receiver allocate gigabytes.
const (
	MaxVP8Side   = 8192
	MaxVP8Pixels = 4096 * 2304
)

// maxVP8Input bounds one compressed frame. libvpx takes an unsigned int size;
// anything near that is not a realtime frame.
const maxVP8Input = 64 << 20

var (
	errEmptyInput     = fmt.Errorf("%w: empty vp8 frame", ErrCorrupt)
	errCorruptedFrame = fmt.Errorf("%w: vp8 frame references damaged data", ErrCorrupt)
	errTooLarge       = fmt.Errorf("%w: vp8 keyframe larger than %d pixels or %d a side", ErrCorrupt, MaxVP8Pixels, MaxVP8Side)
)

// keyframeSize reads the picture size a VP8 keyframe announces (RFC 6386,
// 9.1: a 3-byte frame tag whose low bit is 0 for a keyframe, the start
// code 9d 01 2a, then 14-bit width and height, little-endian, each with
// two bits of scaling above). ok is false for anything else.
func keyframeSize(data []byte) (w, h int, ok bool) {
	if len(data) < 10 || data[0]&1 != 0 || data[3] != 0x9d || data[4] != 0x01 || data[5] != 0x2a {
		return 0, 0, false
	}
	w = int(data[6]) | int(data[7]&0x3f)<<8
	h = int(data[8]) | int(data[9]&0x3f)<<8
	return w, h, true
}

// tooLarge tells whether data is a keyframe of a picture larger than the
// decoder accepts. libvpx would allocate and clear the whole picture
// before finding the rest of the frame is garbage: a 2 KB keyframe that
// announces 16383×16383 cost 4 s of CPU and 900 MB.
func tooLarge(data []byte) bool {
	w, h, ok := keyframeSize(data)
	return ok && (w > MaxVP8Side || h > MaxVP8Side || w*h > MaxVP8Pixels)
}

// VP8Decoder decodes a VP8 stream, one complete frame per call. Create it
// with NewVP8Decoder and release it with Close.
type VP8Decoder struct {
	mu      sync.Mutex
	c       *C.confer_vp8dec
	cleanup runtime.Cleanup

	buf   []byte           // backing store of frame's planes, reused
	frame media.VideoFrame // returned to the caller, reused
}

// NewVP8Decoder creates a single-threaded VP8 decoder (one thread is plenty
// for call resolutions and leaves the other core to the encoder).
func NewVP8Decoder() (*VP8Decoder, error) {
	var c *C.confer_vp8dec
	if r := C.confer_vp8dec_open(&c); r != C.VPX_CODEC_OK {
		return nil, vpxError(r, nil, "decoder init")
	}
	d := &VP8Decoder{c: c}
	d.cleanup = runtime.AddCleanup(d, func(c *C.confer_vp8dec) { C.confer_vp8dec_close(c) }, c)
	return d, nil
}

// Decode decodes one complete VP8 frame.
//
// The returned frame and its planes are owned by the decoder and reused by
// the next Decode call: a consumer copies what it keeps (the media.FrameSink
// contract). Planes are tightly packed (stride == width).
//
// Errors: ErrNoFrame when the data was valid but produced no picture to show;
// ErrCorrupt (possibly wrapped) for garbage, truncated data, a delta frame
// before the first keyframe, a frame predicted from damaged references, or
// a keyframe larger than MaxVP8Pixels or MaxVP8Side;
// the caller should then request a keyframe. The decoder stays usable after
// any error and recovers at the next keyframe.
func (d *VP8Decoder) Decode(data []byte) (*media.VideoFrame, error) {
	if len(data) == 0 {
		return nil, errEmptyInput
	}
	if len(data) > maxVP8Input {
		return nil, fmt.Errorf("%w: vp8 frame of %d bytes", ErrInvalidArg, len(data))
	}
	if tooLarge(data) {
		return nil, errTooLarge
	}
	d.mu.Lock()
	defer d.mu.Unlock() // also keeps d (and so d.c) alive across the C call
	if d.c == nil {
		return nil, ErrClosed
	}
	r := C.confer_vp8dec_decode(d.c, (*C.uchar)(unsafe.Pointer(&data[0])), C.size_t(len(data)))
	if r != C.VPX_CODEC_OK {
		return nil, vpxError(r, &d.c.ctx, "decode")
	}
	img := d.c.img
	if img == nil {
		return nil, ErrNoFrame
	}
	if d.c.corrupted != 0 {
		return nil, errCorruptedFrame
	}
	if img.fmt != C.VPX_IMG_FMT_I420 || img.d_w == 0 || img.d_h == 0 {
		return nil, fmt.Errorf("%w: vp8 decoder returned image format %d %dx%d", ErrCodec, img.fmt, img.d_w, img.d_h)
	}

	w, h := int(img.d_w), int(img.d_h)
	cw, ch := (w+1)/2, (h+1)/2
	if int(img.stride[C.VPX_PLANE_Y]) < w || int(img.stride[C.VPX_PLANE_U]) < cw || int(img.stride[C.VPX_PLANE_V]) < cw {
		// Never expected from libvpx; checked so copyPlane cannot misread.
		return nil, fmt.Errorf("%w: vp8 decoder returned strides narrower than the picture", ErrCodec)
	}
	ySize, cSize := w*h, cw*ch
	need := ySize + 2*cSize
	if cap(d.buf) < need || cap(d.buf) > 2*need {
		// On the first frame, when the picture grows, and when it
		// shrinks to under half (a layer down): a window's tile starts
		// on the full layer and moves to the one its size needs, and a
		// 720p buffer kept for a 360p picture is 1 MB of heap per tile
		// for the whole call.
		d.buf = make([]byte, need)
	}
	d.buf = d.buf[:need]

	f := &d.frame
	*f = media.VideoFrame{
		Width: w, Height: h,
		Y:       d.buf[:ySize:ySize],
		U:       d.buf[ySize : ySize+cSize : ySize+cSize],
		V:       d.buf[ySize+cSize:],
		YStride: w, UStride: cw, VStride: cw,
	}
	copyPlane(f.Y, img.planes[C.VPX_PLANE_Y], int(img.stride[C.VPX_PLANE_Y]), w, h)
	copyPlane(f.U, img.planes[C.VPX_PLANE_U], int(img.stride[C.VPX_PLANE_U]), cw, ch)
	copyPlane(f.V, img.planes[C.VPX_PLANE_V], int(img.stride[C.VPX_PLANE_V]), cw, ch)
	return f, nil
}

// copyPlane copies h rows of w bytes from libvpx's padded plane into the
// tightly packed dst.
func copyPlane(dst []byte, src *C.uchar, stride, w, h int) {
	s := unsafe.Slice((*byte)(unsafe.Pointer(src)), stride*(h-1)+w)
	for y := range h {
		copy(dst[y*w:(y+1)*w], s[y*stride:y*stride+w])
	}
}

// Close frees the decoder. It is idempotent; later calls to Decode return
// ErrClosed. A frame returned earlier stays readable (it is Go memory).
func (d *VP8Decoder) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.c == nil {
		return
	}
	d.cleanup.Stop()
	C.confer_vp8dec_close(d.c)
	d.c = nil
}
