// Package apm cleans up the microphone signal with the WebRTC audio
// processing module (Debian's libwebrtc-audio-processing, version 0.3):
// acoustic echo cancellation, noise suppression, automatic gain control, a
// high-pass filter and voice activity detection, on Confer's 48 kHz mono
// int16 audio.
//
// The far-end signal (what the speaker plays) goes to ProcessRender and the
// microphone signal to ProcessCapture, which rewrites it in place. APM
// works in 10 ms chunks (ChunkSamples); a 20 ms media frame is two of them.
//
// With noise suppression or echo cancellation on, the processed capture
// lags its input by about 7–8 ms (the band-splitting filters and the
// suppressors' overlapping analysis windows); count it in the send path's
// latency.
//
// Building needs Debian's libwebrtc-audio-processing-dev (pkg-config name
// webrtc-audio-processing) and a C++ compiler; running needs
// libwebrtc-audio-processing1.
package apm

/*
// pkg-config supplies -DWEBRTC_POSIX, which the 0.3 headers need; they are
// C++11, the dialect the library itself is built with.
#cgo pkg-config: webrtc-audio-processing
#cgo CXXFLAGS: -std=c++11
#cgo noescape confer_apm_render
#cgo noescape confer_apm_capture
#cgo nocallback confer_apm_render
#cgo nocallback confer_apm_capture
#include "apm_shim.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"confer/media"
)

// ChunkSamples is APM's unit of work: 10 ms at media.SampleRate.
const ChunkSamples = C.CONFER_APM_CHUNK

// The shim and Confer must agree on the rate: a compile-time check (the
// index is out of range unless the two are equal).
var _ = [1]struct{}{}[C.CONFER_APM_RATE-media.SampleRate]

// maxDelay is the largest delay APM 0.3 accepts (set_stream_delay_ms clamps
// to 500 ms and warns); SetStreamDelay clamps here instead.
const maxDelay = 500 * time.Millisecond

// Config says which components are on.
type Config struct {
	// EchoCancellation removes the far-end signal given to ProcessRender
	// from the capture: the full-band AEC (not the mobile AECM), with the
	// extended 128 ms filter and delay-agnostic mode, because desktop
	// audio stacks report their delays poorly.
	EchoCancellation bool
	// NoiseSuppression removes stationary noise at level "high".
	NoiseSuppression bool
	// AutoGain brings speech to about -20 dBFS with the adaptive digital
	// AGC (no analog microphone volume is touched).
	AutoGain bool
	// HighPass removes DC and low-frequency rumble.
	HighPass bool
	// VoiceDetection makes ProcessCapture report speech (likelihood
	// "moderate").
	VoiceDetection bool
}

// Settings behind Config's switches, chosen with this package's tests on
// synthetic speech (the figures quoted were measured there).
const (
	// ecSuppression 1 is kModerateSuppression, the level 0.3 starts
	// at when nobody sets one. kLowSuppression (0) keeps 1–2 dB more
	// of a near-end talker over the far end, but whenever the linear filter
	// falls behind a change in the echo's delay — a busy machine's late
	// audio callbacks do that — it lets the echo through for seconds: under
	// two busy cores the room's echo came back at -28 to -67 dB with low
	// and -41 to -82 dB with moderate (TestTheMicrophonePipelineCancels-
	// TheRoomsEcho, six runs each), and a CI run measured -19.5 dB end to
	// end with low. Moderate keeps double talk within 6 dB
	// (TestEchoCancellationDoubleTalk: 5.6 dB lost).
	ecSuppression = 1
	// nsLevel 2 is NoiseSuppression::kHigh: about 16 dB off stationary
	// noise with speech within 0.5 dB.
	nsLevel = 2
	// vadLikelihood 2 is VoiceDetection::kModerateLikelihood.
	vadLikelihood = 2
	// agcTargetDBFS and agcCompressionDB bring speech to -20 ± 1 dBFS
	// RMS from anywhere between -45 and -15 dBFS. The target is a peak
	// envelope figure, hence far above the RMS it yields; the compression
	// gain is the most the digital stage adds. 0.3's default of 9 dB still
	// lifts -35 dBFS speech to -21 dBFS (TestAutoGain), and every dB more
	// is also added to what the echo canceller leaves while the far end
	// talks and the near end is silent: at 15 dB the echo a talker hears
	// back rose by up to 10 dB (`benchtool -only audioproc`).
	agcTargetDBFS    = 7
	agcCompressionDB = 9
)

// Processor runs one APM instance. Create it with New and release it with
// Close.
//
// ProcessRender and ProcessCapture may be called from different goroutines
// at the same time. APM 0.3 takes one internal lock around both
// ProcessStream and ProcessReverseStream, so the two directions never run
// in parallel anyway, but its "stream" setters and getters (the delay, the
// VAD result) take no lock and must not race with ProcessStream. One Go
// mutex around every call therefore costs nothing extra and makes each
// chunk's delay–process–VAD sequence atomic, and keeps Close from freeing
// the module under a call.
type Processor struct {
	mu      sync.Mutex
	st      *C.confer_apm
	cleanup runtime.Cleanup
	delayMs atomic.Int32 // so SetStreamDelay never waits for a chunk in progress
}

// New creates a processor with cfg's components on.
func New(cfg Config) (*Processor, error) {
	var cerr C.int
	st := C.confer_apm_new(C.confer_apm_tuning{
		ec_suppression:     ecSuppression,
		ns_level:           nsLevel,
		vad_likelihood:     vadLikelihood,
		agc_target_dbfs:    agcTargetDBFS,
		agc_compression_db: agcCompressionDB,
	}, &cerr)
	if st == nil {
		return nil, fmt.Errorf("%w: %w", ErrCreate, apmError(int(cerr)))
	}
	p := &Processor{st: st}
	p.cleanup = runtime.AddCleanup(p, func(st *C.confer_apm) { C.confer_apm_free(st) }, st)
	if err := p.SetConfig(cfg); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// SetConfig switches components on or off while running. Only components
// whose switch changes are touched: in APM 0.3 enabling a component
// re-initialises it, so turning echo cancellation off and on again makes it
// adapt from scratch (some echo leaks through for a moment), but changing
// anything else keeps the AEC's and the AGC's state.
func (p *Processor) SetConfig(cfg Config) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return ErrClosed
	}
	return apmError(int(C.confer_apm_enable(p.st, cbool(cfg.EchoCancellation),
		cbool(cfg.NoiseSuppression), cbool(cfg.AutoGain), cbool(cfg.HighPass),
		cbool(cfg.VoiceDetection))))
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// SetStreamDelay tells APM how long after ProcessRender gets a sound the
// microphone's copy of it reaches ProcessCapture: output latency plus input
// latency plus whatever buffering sits between. It is given to APM before
// every 10 ms chunk and clamped to 0..500 ms, APM's range.
//
// Err on the low side. The 128 ms filter cancels an echo that arrives up to
// about 100 ms after the hint from the first seconds on, but not one that
// arrives before it. Delay-agnostic mode corrects a wrong hint from the
// signals themselves, but 0.3 only starts doing so after 15 s of capture
// (kDelayCorrectionStart), so a bad hint means 15 s of echo.
func (p *Processor) SetStreamDelay(d time.Duration) {
	d = min(max(d, 0), maxDelay)
	p.delayMs.Store(int32(d / time.Millisecond))
}

// ProcessRender gives APM far-end audio, as it is handed to the speaker:
// the echo canceller's reference. len(pcm) must be a multiple of
// ChunkSamples; pcm is not modified.
func (p *Processor) ProcessRender(pcm []int16) error {
	if len(pcm)%ChunkSamples != 0 {
		return ErrChunkSize
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return ErrClosed
	}
	if len(pcm) == 0 {
		return nil
	}
	r := C.confer_apm_render(p.st, (*C.int16_t)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)/ChunkSamples))
	return apmError(int(r))
}

// ProcessCapture processes microphone audio in place. len(pcm) must be a
// multiple of ChunkSamples. voice reports whether the VAD heard speech in
// any 10 ms chunk of it (always false with VoiceDetection off). After an
// error, the chunks before the failing one are processed and the rest are
// left as they were.
func (p *Processor) ProcessCapture(pcm []int16) (voice bool, err error) {
	if len(pcm)%ChunkSamples != 0 {
		return false, ErrChunkSize
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return false, ErrClosed
	}
	if len(pcm) == 0 {
		return false, nil
	}
	r := C.confer_apm_capture(p.st, (*C.int16_t)(unsafe.Pointer(&pcm[0])),
		C.int(len(pcm)/ChunkSamples), C.int(p.delayMs.Load()))
	if r < 0 {
		return false, apmError(int(r))
	}
	return r > 0, nil
}

// Close frees the module. It is idempotent; later calls to other methods
// return ErrClosed.
func (p *Processor) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.st == nil {
		return
	}
	p.cleanup.Stop()
	C.confer_apm_free(p.st)
	p.st = nil
}
