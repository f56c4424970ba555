package codec

/*
#cgo pkg-config: vpx
#include <stdlib.h>
#include <vpx/vpx_encoder.h>
#include <vpx/vp8cx.h>

// All encoder state lives in C memory: libvpx keeps pointers into its context
// between calls, so it must not be Go memory that the GC could free.
typedef struct {
	vpx_codec_ctx_t ctx;
	vpx_codec_enc_cfg_t cfg;
	// Result of the last encode. pkt_buf points into libvpx's own output
	// buffer and stays valid until the next vpx_codec_encode call; Go copies
	// it out before releasing the encoder lock.
	const void *pkt_buf;
	size_t pkt_sz;
	int pkt_key;
	int pkt_count;
} confer_vp8enc;

typedef struct {
	unsigned int w, h, kbps, kf_max, threads, drop_thresh, screen;
	int cpu_used;
} confer_vp8enc_params;

static vpx_codec_err_t confer_vp8enc_open(confer_vp8enc **out, confer_vp8enc_params p) {
	confer_vp8enc *e = calloc(1, sizeof *e);
	if (e == NULL) return VPX_CODEC_MEM_ERROR;
	vpx_codec_err_t r = vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &e->cfg, 0);
	if (r != VPX_CODEC_OK) { free(e); return r; }
	vpx_codec_enc_cfg_t *c = &e->cfg;
	c->g_w = p.w;
	c->g_h = p.h;
	c->g_threads = p.threads;
	// 90 kHz like RTP, so capture timestamps map to pts without rounding.
	c->g_timebase.num = 1;
	c->g_timebase.den = 90000;
	c->g_pass = VPX_RC_ONE_PASS;
	// No lookahead: every input frame comes out of the same call.
	c->g_lag_in_frames = 0;
	// Lost frames must not poison later ones more than necessary
	// (resets probability contexts each frame).
	c->g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
	c->rc_end_usage = VPX_CBR;
	c->rc_target_bitrate = p.kbps;
	c->rc_resize_allowed = 0;
	c->rc_dropframe_thresh = p.drop_thresh;
	c->rc_min_quantizer = 2;
	c->rc_max_quantizer = 56;
	// Let rate control undershoot freely but overshoot little: overshoot is
	// queueing delay on the path.
	c->rc_undershoot_pct = 100;
	c->rc_overshoot_pct = 15;
	// A small, low-latency leaky bucket (milliseconds of data).
	c->rc_buf_initial_sz = 500;
	c->rc_buf_optimal_sz = 600;
	c->rc_buf_sz = 1000;
	c->kf_mode = VPX_KF_AUTO;
	c->kf_min_dist = 0;
	c->kf_max_dist = p.kf_max;

	r = vpx_codec_enc_init(&e->ctx, vpx_codec_vp8_cx(), c, 0);
	if (r != VPX_CODEC_OK) { free(e); return r; }

	if ((r = vpx_codec_control(&e->ctx, VP8E_SET_CPUUSED, p.cpu_used)) != VPX_CODEC_OK ||
	    (r = vpx_codec_control(&e->ctx, VP8E_SET_NOISE_SENSITIVITY, 0u)) != VPX_CODEC_OK ||
	    (r = vpx_codec_control(&e->ctx, VP8E_SET_STATIC_THRESHOLD, 1u)) != VPX_CODEC_OK ||
	    (r = vpx_codec_control(&e->ctx, VP8E_SET_TOKEN_PARTITIONS, (int)VP8_ONE_TOKENPARTITION)) != VPX_CODEC_OK ||
	    (r = vpx_codec_control(&e->ctx, VP8E_SET_MAX_INTRA_BITRATE_PCT, 300u)) != VPX_CODEC_OK ||
	    (r = vpx_codec_control(&e->ctx, VP8E_SET_SCREEN_CONTENT_MODE, p.screen)) != VPX_CODEC_OK) {
		vpx_codec_destroy(&e->ctx);
		free(e);
		return r;
	}
	*out = e;
	return VPX_CODEC_OK;
}

// The image descriptor is built on this function's stack: it holds the Go
// plane pointers only for the duration of the call, and with lag 0 libvpx
// copies the picture into its own lookahead buffer before returning.
static vpx_codec_err_t confer_vp8enc_encode(confer_vp8enc *e,
		unsigned char *y, unsigned char *u, unsigned char *v,
		int ys, int us, int vs,
		vpx_codec_pts_t pts, unsigned long duration, vpx_enc_frame_flags_t flags) {
	e->pkt_buf = NULL;
	e->pkt_sz = 0;
	e->pkt_key = 0;
	e->pkt_count = 0;

	vpx_image_t img;
	if (vpx_img_wrap(&img, VPX_IMG_FMT_I420, e->cfg.g_w, e->cfg.g_h, 1, y) == NULL)
		return VPX_CODEC_INVALID_PARAM;
	img.planes[VPX_PLANE_Y] = y;
	img.planes[VPX_PLANE_U] = u;
	img.planes[VPX_PLANE_V] = v;
	img.stride[VPX_PLANE_Y] = ys;
	img.stride[VPX_PLANE_U] = us;
	img.stride[VPX_PLANE_V] = vs;

	vpx_codec_err_t r = vpx_codec_encode(&e->ctx, &img, pts, duration, flags, VPX_DL_REALTIME);
	if (r != VPX_CODEC_OK) return r;

	vpx_codec_iter_t it = NULL;
	const vpx_codec_cx_pkt_t *pkt;
	while ((pkt = vpx_codec_get_cx_data(&e->ctx, &it)) != NULL) {
		if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
		if (e->pkt_count++ == 0) {
			e->pkt_buf = pkt->data.frame.buf;
			e->pkt_sz = pkt->data.frame.sz;
			e->pkt_key = (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0;
		}
	}
	return VPX_CODEC_OK;
}

static vpx_codec_err_t confer_vp8enc_set_bitrate(confer_vp8enc *e, unsigned int kbps) {
	unsigned int old = e->cfg.rc_target_bitrate;
	e->cfg.rc_target_bitrate = kbps;
	vpx_codec_err_t r = vpx_codec_enc_config_set(&e->ctx, &e->cfg);
	if (r != VPX_CODEC_OK) e->cfg.rc_target_bitrate = old;
	return r;
}

static void confer_vp8enc_close(confer_vp8enc *e) {
	vpx_codec_destroy(&e->ctx);
	free(e);
}
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
	"unsafe"

	"confer/media"
)

// VP8 encoder defaults and limits.
const (
	// DefaultVP8FPS is used when VP8Config.FPS is 0.
	DefaultVP8FPS = 30
	// DefaultVP8CPUUsed is used when VP8Config.CPUUsed is 0. -6 is a fixed
	// speed that keeps 720p encoding well inside a 33 ms frame budget on one
	// core while still using most of VP8's tools.
	DefaultVP8CPUUsed = -6
	// DefaultVP8KeyframeMax is used when VP8Config.KeyframeMax is 0.
	// Receivers ask for keyframes (PLI/FIR) when they need one, so periodic
	// keyframes only serve as a slow safety net: 100 s at 30 fps.
	DefaultVP8KeyframeMax = 3000

	// vp8DropFrameThresh is rc_dropframe_thresh (percent of the optimal
	// buffer level). Dropping a frame when the buffer is badly drained
	// (after a keyframe or a sudden bitrate cut) costs one frame of motion;
	// not dropping costs queueing delay on the network path for every
	// following frame. 30 is what WebRTC's libvpx wrapper uses.
	vp8DropFrameThresh = 30

	// vp8MaxDim is the largest dimension VP8's 14-bit size fields allow.
	vp8MaxDim = 16383
)

// VP8Config configures a realtime CBR VP8 encoder. Zero values of the optional
// fields select the documented defaults.
type VP8Config struct {
	Width, Height int // picture size; odd sizes are allowed
	FPS           int // nominal frame rate; default DefaultVP8FPS
	BitrateKbps   int // CBR target in kbit/s; required (> 0)
	// CPUUsed is libvpx's VP8E_SET_CPUUSED in -16..16; 0 selects
	// DefaultVP8CPUUsed. Negative values are fixed speeds (faster when more
	// negative). Positive values mean "adaptive" in realtime mode and are
	// about as slow as 0, so they are rarely what a caller wants.
	CPUUsed int
	// KeyframeMax is the largest distance between keyframes in frames;
	// default DefaultVP8KeyframeMax.
	KeyframeMax int
	// Threads is the number of encoder threads; default 1.
	Threads int
	// Screen tunes rate control and mode decisions for screen content:
	// large static areas, sharp edges, sudden full changes.
	Screen bool
}

// VP8Encoder is a realtime VP8 encoder. Create it with NewVP8Encoder and
// release it with Close.
type VP8Encoder struct {
	mu      sync.Mutex
	c       *C.confer_vp8enc
	cleanup runtime.Cleanup

	w, h   int
	step   int64 // nominal pts increment (90 kHz ticks per frame)
	pts    int64 // pts of the last encoded frame
	frames int64
	lastTS time.Time
}

// VPXBuildConfig is how the linked libvpx was configured (its configure
// options): Confer's build (scripts/libvpx.sh) is for real time with
// on-the-fly bit packing, which keeps an encoder's memory small.
func VPXBuildConfig() string { return C.GoString(C.vpx_codec_build_config()) }

// NewVP8Encoder creates an encoder for cfg.
func NewVP8Encoder(cfg VP8Config) (*VP8Encoder, error) {
	if cfg.FPS == 0 {
		cfg.FPS = DefaultVP8FPS
	}
	if cfg.CPUUsed == 0 {
		cfg.CPUUsed = DefaultVP8CPUUsed
	}
	if cfg.KeyframeMax == 0 {
		cfg.KeyframeMax = DefaultVP8KeyframeMax
	}
	if cfg.Threads == 0 {
		cfg.Threads = 1
	}
	switch {
	case cfg.Width < 1 || cfg.Height < 1 || cfg.Width > vp8MaxDim || cfg.Height > vp8MaxDim:
		return nil, fmt.Errorf("%w: vp8 size %dx%d", ErrInvalidArg, cfg.Width, cfg.Height)
	case cfg.FPS < 1 || cfg.FPS > 1000:
		return nil, fmt.Errorf("%w: vp8 fps %d", ErrInvalidArg, cfg.FPS)
	case cfg.BitrateKbps < 1 || cfg.BitrateKbps > 1_000_000:
		return nil, fmt.Errorf("%w: vp8 bitrate %d kbps", ErrInvalidArg, cfg.BitrateKbps)
	case cfg.CPUUsed < -16 || cfg.CPUUsed > 16:
		return nil, fmt.Errorf("%w: vp8 cpu-used %d", ErrInvalidArg, cfg.CPUUsed)
	case cfg.KeyframeMax < 1 || cfg.KeyframeMax > math.MaxInt32:
		return nil, fmt.Errorf("%w: vp8 keyframe max %d", ErrInvalidArg, cfg.KeyframeMax)
	case cfg.Threads < 1 || cfg.Threads > 64:
		return nil, fmt.Errorf("%w: vp8 threads %d", ErrInvalidArg, cfg.Threads)
	}

	p := C.confer_vp8enc_params{
		w:           C.uint(cfg.Width),
		h:           C.uint(cfg.Height),
		kbps:        C.uint(cfg.BitrateKbps),
		kf_max:      C.uint(cfg.KeyframeMax),
		threads:     C.uint(cfg.Threads),
		drop_thresh: vp8DropFrameThresh,
		cpu_used:    C.int(cfg.CPUUsed),
	}
	if cfg.Screen {
		p.screen = 1
	}
	var c *C.confer_vp8enc
	if r := C.confer_vp8enc_open(&c, p); r != C.VPX_CODEC_OK {
		return nil, vpxError(r, nil, "encoder init")
	}
	e := &VP8Encoder{
		c:    c,
		w:    cfg.Width,
		h:    cfg.Height,
		step: int64(90000 / cfg.FPS),
	}
	// Safety net for an encoder dropped without Close: free the C state
	// (megabytes for HD) when the Go object becomes unreachable.
	e.cleanup = runtime.AddCleanup(e, func(c *C.confer_vp8enc) { C.confer_vp8enc_close(c) }, c)
	return e, nil
}

// Fits tells whether frames of w×h can be encoded without a new encoder.
func (e *VP8Encoder) Fits(w, h int) bool { return e.w == w && e.h == h }

// Encode encodes one frame. f's size must equal the configured size, else
// ErrFrameSize. The compressed frame is appended to dst[:0] and returned, so
// passing the previous result back in as dst avoids allocation; keyframe
// tells whether it is a keyframe. forceKeyframe asks for a keyframe now
// (answering a PLI/FIR). When rate control drops the frame, Encode returns an
// empty slice, false and no error.
//
// If f.Timestamp is set, the spacing between successive timestamps tells rate
// control the real frame rate (clamped to 1/4..4x the configured FPS), so a
// camera that slows down in low light still gets the full bitrate per second.
// Without timestamps every frame is assumed to last 1/FPS.
func (e *VP8Encoder) Encode(f *media.VideoFrame, forceKeyframe bool, dst []byte) (out []byte, keyframe bool, err error) {
	if f == nil {
		return dst[:0], false, ErrBadFrame
	}
	e.mu.Lock()
	defer e.mu.Unlock() // also keeps e (and so e.c) alive across the C call
	if e.c == nil {
		return dst[:0], false, ErrClosed
	}
	if f.Width != e.w || f.Height != e.h {
		return dst[:0], false, ErrFrameSize
	}
	cw, ch := f.ChromaSize()
	if !planeOK(f.Y, f.YStride, f.Width, f.Height) ||
		!planeOK(f.U, f.UStride, cw, ch) ||
		!planeOK(f.V, f.VStride, cw, ch) {
		return dst[:0], false, ErrBadFrame
	}

	pts := e.nextPTS(f.Timestamp)
	var flags C.vpx_enc_frame_flags_t
	if forceKeyframe {
		flags |= C.VPX_EFLAG_FORCE_KF
	}
	r := C.confer_vp8enc_encode(e.c,
		(*C.uchar)(unsafe.Pointer(&f.Y[0])),
		(*C.uchar)(unsafe.Pointer(&f.U[0])),
		(*C.uchar)(unsafe.Pointer(&f.V[0])),
		C.int(f.YStride), C.int(f.UStride), C.int(f.VStride),
		C.vpx_codec_pts_t(pts), C.ulong(e.step), flags)
	if r != C.VPX_CODEC_OK {
		return dst[:0], false, vpxError(r, &e.c.ctx, "encode")
	}
	switch e.c.pkt_count {
	case 0:
		return dst[:0], false, nil // dropped by rate control
	case 1:
	default:
		// Cannot happen with lag 0 and no partition output; concatenating
		// two frames would produce an undecodable payload, so refuse.
		return dst[:0], false, fmt.Errorf("%w: vp8 encoder emitted %d frames for one input", ErrCodec, e.c.pkt_count)
	}
	pkt := unsafe.Slice((*byte)(e.c.pkt_buf), int(e.c.pkt_sz))
	return append(dst[:0], pkt...), e.c.pkt_key != 0, nil
}

// nextPTS returns the pts (90 kHz) for the next frame. The pts spacing is what
// libvpx derives its frame-rate estimate, and so the per-frame bit budget, from.
func (e *VP8Encoder) nextPTS(ts time.Time) int64 {
	step := e.step
	if !ts.IsZero() && !e.lastTS.IsZero() {
		// Clamp so a timestamp glitch (jump, reorder, capture pause) cannot
		// make rate control believe in an absurd frame rate and blow or
		// starve the budget of one frame. Clamping the Duration first also
		// keeps the tick conversion from overflowing.
		nominal := time.Duration(e.step) * time.Second / 90000
		d := min(max(ts.Sub(e.lastTS), nominal/4), nominal*4)
		step = int64(d) * 90000 / int64(time.Second)
	}
	if !ts.IsZero() {
		e.lastTS = ts
	}
	if e.frames > 0 {
		e.pts += step
	}
	e.frames++
	return e.pts
}

// planeOK reports whether p can hold h rows of w bytes spaced stride apart.
func planeOK(p []byte, stride, w, h int) bool {
	if stride < w || stride > math.MaxInt32 || len(p) == 0 {
		return false
	}
	if h > 1 && stride > len(p) {
		return false // also keeps stride*(h-1) below from overflowing
	}
	return len(p) >= stride*(h-1)+w
}

// SetBitrate changes the CBR target (kbit/s) from the next frame on, e.g.
// following the congestion controller's estimate.
func (e *VP8Encoder) SetBitrate(kbps int) error {
	if kbps < 1 || kbps > 1_000_000 {
		return fmt.Errorf("%w: vp8 bitrate %d kbps", ErrInvalidArg, kbps)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil {
		return ErrClosed
	}
	if r := C.confer_vp8enc_set_bitrate(e.c, C.uint(kbps)); r != C.VPX_CODEC_OK {
		return vpxError(r, &e.c.ctx, "set bitrate")
	}
	return nil
}

// Close frees the encoder. It is idempotent; later calls to other methods
// return ErrClosed.
func (e *VP8Encoder) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.c == nil {
		return
	}
	e.cleanup.Stop()
	C.confer_vp8enc_close(e.c)
	e.c = nil
}
