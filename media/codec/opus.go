package codec

/*
#cgo pkg-config: opus
#include <opus.h>

// opus_*_ctl are variadic, which cgo cannot call; these fix the signature.
static int confer_opus_enc_set(OpusEncoder *e, int request, opus_int32 value) {
	return opus_encoder_ctl(e, request, value);
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

// OpusApplication selects libopus' coding mode.
type OpusApplication int

const (
	// OpusVoIP optimises for speech intelligibility (OPUS_APPLICATION_VOIP,
	// signal hint voice).
	OpusVoIP OpusApplication = iota
	// OpusAudio optimises for fidelity to the input, e.g. music
	// (OPUS_APPLICATION_AUDIO, signal hint music).
	OpusAudio
	// OpusLowDelay is CELT-only with the lowest algorithmic delay
	// (OPUS_APPLICATION_RESTRICTED_LOWDELAY). It has no in-band FEC.
	OpusLowDelay
)

// Opus limits at 48 kHz.
const (
	// OpusMaxPacket is a dst capacity that always holds one encoded frame
	// (the largest Opus frame is 1275 bytes; a 120 ms packet can hold six,
	// but realtime frames are 20 ms).
	OpusMaxPacket = 1275
	// OpusMaxFrameSamples is the longest Opus packet (120 ms) per channel.
	OpusMaxFrameSamples = media.SampleRate * 120 / 1000
	// opusPLCUnit: PLC and FEC must produce a whole number of 2.5 ms.
	opusPLCUnit = media.SampleRate / 400
)

// opusComplexity per application. Complexity 5 is roughly half the CPU of
// the default 10 (the costly parts are SILK's pitch and noise-shaping search)
// for a speech-quality loss that is hard to hear at call bitrates; on a
// 2-core machine that also runs a VP8 encoder the saving matters more. Music
// gains more from the extra analysis, so OpusAudio spends a bit more.
var opusComplexity = [...]int{OpusVoIP: 5, OpusAudio: 8, OpusLowDelay: 5}

// OpusEncoder encodes 48 kHz PCM. Create it with NewOpusEncoder and release
// it with Close.
type OpusEncoder struct {
	mu       sync.Mutex
	st       *C.OpusEncoder
	cleanup  runtime.Cleanup
	channels int
}

// NewOpusEncoder creates a 48 kHz encoder with channels (1 or 2) for app at
// bitrate bit/s (0 lets libopus choose). VBR is on (libopus' default
// constrained VBR, which bounds packet sizes for the pacer), DTX is off so the
// receiver's jitter buffer sees a steady packet clock.
func NewOpusEncoder(channels int, app OpusApplication, bitrate int) (*OpusEncoder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: opus channels %d", ErrInvalidArg, channels)
	}
	if bitrate < 0 {
		return nil, fmt.Errorf("%w: opus bitrate %d", ErrInvalidArg, bitrate)
	}
	var capp, signal C.int
	switch app {
	case OpusVoIP:
		capp, signal = C.OPUS_APPLICATION_VOIP, C.OPUS_SIGNAL_VOICE
	case OpusAudio:
		capp, signal = C.OPUS_APPLICATION_AUDIO, C.OPUS_SIGNAL_MUSIC
	case OpusLowDelay:
		capp, signal = C.OPUS_APPLICATION_RESTRICTED_LOWDELAY, C.OPUS_AUTO
	default:
		return nil, fmt.Errorf("%w: opus application %d", ErrInvalidArg, app)
	}
	var cerr C.int
	st := C.opus_encoder_create(media.SampleRate, C.int(channels), capp, &cerr)
	if st == nil || cerr != C.OPUS_OK {
		return nil, opusError(cerr, "encoder init")
	}
	br := C.opus_int32(C.OPUS_AUTO)
	if bitrate > 0 {
		br = C.opus_int32(bitrate)
	}
	for _, s := range [...]struct{ req, val C.int }{
		{C.OPUS_SET_SIGNAL_REQUEST, signal},
		{C.OPUS_SET_COMPLEXITY_REQUEST, C.int(opusComplexity[app])},
		{C.OPUS_SET_VBR_REQUEST, 1},
		{C.OPUS_SET_DTX_REQUEST, 0},
		{C.OPUS_SET_BITRATE_REQUEST, C.int(br)},
	} {
		if r := C.confer_opus_enc_set(st, s.req, C.opus_int32(s.val)); r != C.OPUS_OK {
			C.opus_encoder_destroy(st)
			return nil, opusError(r, "encoder setup")
		}
	}
	e := &OpusEncoder{st: st, channels: channels}
	e.cleanup = runtime.AddCleanup(e, func(st *C.OpusEncoder) { C.opus_encoder_destroy(st) }, st)
	return e, nil
}

// Encode encodes exactly one frame of interleaved pcm into dst[:cap(dst)] and
// returns the packet (a prefix of that space). len(pcm)/channels must be an
// Opus frame duration: 2.5, 5, 10, 20 (media.FrameSamples), 40, 60, 80, 100
// or 120 ms; else ErrBufferSize. cap(dst) bounds the packet size, and
// OpusMaxPacket always suffices for frames up to 20 ms.
func (e *OpusEncoder) Encode(pcm []int16, dst []byte) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock() // also keeps e (and so e.st) alive across the C call
	if e.st == nil {
		return nil, ErrClosed
	}
	n := len(pcm) / e.channels
	if len(pcm)%e.channels != 0 || !opusFrameSize(n) {
		return nil, fmt.Errorf("%w: %d samples is not an opus frame", ErrBufferSize, len(pcm))
	}
	if cap(dst) == 0 {
		return nil, fmt.Errorf("%w: empty output buffer", ErrBufferSize)
	}
	dst = dst[:cap(dst)]
	limit := min(len(dst), 1<<20) // no use for more; keeps the C int in range
	r := C.opus_encode(e.st, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(n),
		(*C.uchar)(unsafe.Pointer(&dst[0])), C.opus_int32(limit))
	if r < 0 {
		return nil, opusError(r, "encode")
	}
	return dst[:r], nil
}

// opusFrameSize reports whether n samples per channel is a duration Opus can
// encode in one packet at 48 kHz.
func opusFrameSize(n int) bool {
	switch n {
	case 120, 240, 480, 960, 1920, 2880, 3840, 4800, 5760:
		return true
	}
	return false
}

// SetBitrate sets the target bitrate in bit/s (libopus clamps it to
// 500..300000 per channel).
func (e *OpusEncoder) SetBitrate(bps int) error {
	if bps <= 0 || bps > 1_000_000 {
		return fmt.Errorf("%w: opus bitrate %d", ErrInvalidArg, bps)
	}
	return e.set(C.OPUS_SET_BITRATE_REQUEST, bps, "set bitrate")
}

// SetComplexity sets the encoder's computational complexity, 0..10.
func (e *OpusEncoder) SetComplexity(c int) error {
	if c < 0 || c > 10 {
		return fmt.Errorf("%w: opus complexity %d", ErrInvalidArg, c)
	}
	return e.set(C.OPUS_SET_COMPLEXITY_REQUEST, c, "set complexity")
}

// SetInbandFEC turns in-band forward error correction on or off and tells the
// encoder the expected packet loss (0..100 %). FEC only appears in SILK and
// hybrid packets and only when expectedLossPct > 0 and the bitrate leaves
// room for it; it then lets the receiver rebuild a lost frame from the next
// packet (OpusDecoder.DecodeFEC). The loss figure also makes the encoder
// lean less on inter-frame prediction, so set it even with FEC off.
func (e *OpusEncoder) SetInbandFEC(on bool, expectedLossPct int) error {
	if expectedLossPct < 0 || expectedLossPct > 100 {
		return fmt.Errorf("%w: opus packet loss %d%%", ErrInvalidArg, expectedLossPct)
	}
	fec := 0
	if on {
		fec = 1
	}
	if err := e.set(C.OPUS_SET_INBAND_FEC_REQUEST, fec, "set inband fec"); err != nil {
		return err
	}
	return e.set(C.OPUS_SET_PACKET_LOSS_PERC_REQUEST, expectedLossPct, "set packet loss")
}

func (e *OpusEncoder) set(req C.int, v int, op string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil {
		return ErrClosed
	}
	if r := C.confer_opus_enc_set(e.st, req, C.opus_int32(v)); r != C.OPUS_OK {
		return opusError(r, op)
	}
	return nil
}

// Close frees the encoder. It is idempotent; later calls to other methods
// return ErrClosed.
func (e *OpusEncoder) Close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil {
		return
	}
	e.cleanup.Stop()
	C.opus_encoder_destroy(e.st)
	e.st = nil
}

// OpusDecoder decodes 48 kHz Opus packets. Create it with NewOpusDecoder and
// release it with Close.
type OpusDecoder struct {
	mu       sync.Mutex
	st       *C.OpusDecoder
	cleanup  runtime.Cleanup
	channels int
}

// NewOpusDecoder creates a 48 kHz decoder producing channels (1 or 2)
// interleaved channels, whatever the sender encoded.
func NewOpusDecoder(channels int) (*OpusDecoder, error) {
	if channels != 1 && channels != 2 {
		return nil, fmt.Errorf("%w: opus channels %d", ErrInvalidArg, channels)
	}
	var cerr C.int
	st := C.opus_decoder_create(media.SampleRate, C.int(channels), &cerr)
	if st == nil || cerr != C.OPUS_OK {
		return nil, opusError(cerr, "decoder init")
	}
	d := &OpusDecoder{st: st, channels: channels}
	d.cleanup = runtime.AddCleanup(d, func(st *C.OpusDecoder) { C.opus_decoder_destroy(st) }, st)
	return d, nil
}

// Decode decodes one packet into pcm (interleaved) and returns the number of
// samples per channel written.
//
// For a real packet, len(pcm) must hold its whole duration:
// media.FrameSamples*channels for 20 ms, OpusMaxFrameSamples*channels holds
// any packet; a shorter pcm gives ErrBufferSize.
//
// packet == nil (or empty) means the packet was lost: the decoder conceals it
// (PLC) for exactly len(pcm)/channels samples (capped at 120 ms), which must
// be a multiple of 2.5 ms, so pass pcm[:media.FrameSamples*channels] to
// conceal one 20 ms frame.
//
// Undecodable data returns ErrCorrupt (conceal instead).
func (d *OpusDecoder) Decode(packet []byte, pcm []int16) (int, error) {
	return d.decode(packet, pcm, false)
}

// DecodeFEC recovers the frame lost just before packet from packet's in-band
// FEC data (opus_decode with decode_fec=1). len(pcm)/channels must equal the
// lost frame's duration (media.FrameSamples for 20 ms). When packet carries
// no FEC data, libopus falls back to concealment, so the result is always
// usable audio. Afterwards decode packet itself with Decode.
func (d *OpusDecoder) DecodeFEC(packet []byte, pcm []int16) (int, error) {
	if len(packet) == 0 {
		return 0, fmt.Errorf("%w: DecodeFEC needs the packet after the loss", ErrInvalidArg)
	}
	return d.decode(packet, pcm, true)
}

func (d *OpusDecoder) decode(packet []byte, pcm []int16, fec bool) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock() // also keeps d (and so d.st) alive across the C call
	if d.st == nil {
		return 0, ErrClosed
	}
	n := min(len(pcm)/d.channels, OpusMaxFrameSamples)
	if n == 0 {
		return 0, fmt.Errorf("%w: pcm holds no frame", ErrBufferSize)
	}
	// PLC and FEC synthesize exactly n samples, which libopus requires to be
	// whole 2.5 ms units.
	if (fec || len(packet) == 0) && n%opusPLCUnit != 0 {
		return 0, fmt.Errorf("%w: %d samples is not a multiple of 2.5 ms", ErrBufferSize, n)
	}
	if len(packet) > 1<<20 {
		return 0, fmt.Errorf("%w: opus packet of %d bytes", ErrCorrupt, len(packet))
	}
	var p *C.uchar
	if len(packet) > 0 {
		p = (*C.uchar)(unsafe.Pointer(&packet[0]))
	}
	cfec := C.int(0)
	if fec {
		cfec = 1
	}
	r := C.opus_decode(d.st, p, C.opus_int32(len(packet)),
		(*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(n), cfec)
	if r < 0 {
		return 0, opusError(r, "decode")
	}
	return int(r), nil
}

// Close frees the decoder. It is idempotent; later calls to other methods
// return ErrClosed.
func (d *OpusDecoder) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.st == nil {
		return
	}
	d.cleanup.Stop()
	C.opus_decoder_destroy(d.st)
	d.st = nil
}

// Static errors for the codes the hot paths can hit, so a stream of bad
// packets does not allocate an error per packet.
var (
	errOpusInvalidPacket = fmt.Errorf("%w: opus: corrupted or unsupported packet", ErrCorrupt)
	errOpusBufferSmall   = fmt.Errorf("%w: opus: buffer too small", ErrBufferSize)
)

// opusError maps a libopus error code to the package's sentinel errors.
func opusError(code C.int, op string) error {
	switch code {
	case C.OPUS_INVALID_PACKET:
		return errOpusInvalidPacket
	case C.OPUS_BUFFER_TOO_SMALL:
		return errOpusBufferSmall
	case C.OPUS_BAD_ARG:
		return fmt.Errorf("%w: opus %s: %s", ErrInvalidArg, op, C.GoString(C.opus_strerror(code)))
	}
	return fmt.Errorf("%w: opus %s: %s", ErrCodec, op, C.GoString(C.opus_strerror(code)))
}
