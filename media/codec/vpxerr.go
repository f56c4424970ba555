package codec

// #cgo pkg-config: vpx
// #include <vpx/vpx_codec.h>
import "C"

import "fmt"

// vpxError turns a libvpx status into one of the package's sentinel errors,
// keeping libvpx's detail text for logs. ctx may be nil when no codec context
// exists yet (construction failures).
func vpxError(r C.vpx_codec_err_t, ctx *C.vpx_codec_ctx_t, op string) error {
	var sentinel error
	switch r {
	case C.VPX_CODEC_MEM_ERROR, C.VPX_CODEC_ABI_MISMATCH, C.VPX_CODEC_INCAPABLE:
		// Problems of the process or the library build, not of the data.
		sentinel = ErrCodec
	case C.VPX_CODEC_INVALID_PARAM:
		if op == "decode" {
			// The decoder reports some malformed headers this way.
			sentinel = ErrCorrupt
		} else {
			sentinel = ErrInvalidArg
		}
	case C.VPX_CODEC_UNSUP_BITSTREAM, C.VPX_CODEC_UNSUP_FEATURE, C.VPX_CODEC_CORRUPT_FRAME:
		sentinel = ErrCorrupt
	default:
		if op == "decode" {
			sentinel = ErrCorrupt
		} else {
			sentinel = ErrCodec
		}
	}
	msg := C.GoString(C.vpx_codec_err_to_string(r))
	if ctx != nil {
		if d := C.vpx_codec_error_detail(ctx); d != nil {
			msg += " (" + C.GoString(d) + ")"
		}
	}
	return fmt.Errorf("%w: vp8 %s: %s", sentinel, op, msg)
}
