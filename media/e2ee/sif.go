package e2ee

import "bytes"

// Server-injected frames (SIF). On encrypted tracks the LiveKit SFU sends
// its own blank frames (around mutes and layer switches), unencrypted and
// followed by the room's random trailer from JoinResponse.sif_trailer
// (livekit-server pkg/sfu/downtrack.go getVP8BlankFrame,
// getAudioBlankFrameFunc, maybeAddTrailer). Senders never add it.

// The blank frames livekit-server injects (downtrack.go), which
// livekit-client also lists in src/e2ee/worker/sifPayload.ts.
var (
	// vp8KeyFrame8x8 is downtrack.go VP8KeyFrame8x8 / sifPayload.ts
	// VP8KeyFrame8x8: an 8x8 VP8 key frame.
	vp8KeyFrame8x8 = []byte{
		0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00,
		0x08, 0x00, 0x00, 0x47, 0x08, 0x85, 0x85, 0x88,
		0x85, 0x84, 0x88, 0x02, 0x02, 0x00, 0x0c, 0x0d,
		0x60, 0x00, 0xfe, 0xff, 0xab, 0x50, 0x80,
	}

	// opusSilenceFrame is downtrack.go OpusSilenceFrame / sifPayload.ts
	// OpusSilenceFrame: the TOC and frame count bytes f8 ff fe followed by
	// 77 zero bytes, 80 in all.
	opusSilenceFrame = append([]byte{0xf8, 0xff, 0xfe}, make([]byte, 77)...)
)

// serverInjected reports whether frame ends with the SIF trailer and, if
// so, returns it without the trailer. FrameCryptor.ts decodeFunction checks
// this before reading the key index:
//
//	if (isFrameServerInjected(encodedFrame.data, this.sifTrailer)) {
//	  encodedFrame.data = encodedFrame.data.slice(0,
//	    encodedFrame.data.byteLength - this.sifTrailer.byteLength);
func (f *FrameCryptor) serverInjected(frame []byte) ([]byte, bool) {
	t := f.sif.Load()
	if t == nil || !bytes.HasSuffix(frame, *t) {
		return nil, false
	}
	return frame[:len(frame)-len(*t)], true
}

// isBlankFrame reports whether payload is the server's blank frame for
// codec. The check matters: every participant and the SFU know the
// trailer, so without it anyone on the path could push arbitrary plaintext
// media past E2EE. JS makes the same check and drops mismatches:
//
//	if (await identifySifPayload(encodedFrame.data)) {
//	  return controller.enqueue(encodedFrame);
//	} else {
//	  workerLogger.warn('Unexpected SIF frame payload, dropping frame', ...);
//
// (identifySifPayload compares SHA-256 hashes against every known blank
// frame whatever the track's codec; this compares the bytes of the one
// blank frame that fits the codec.)
func isBlankFrame(codec Codec, payload []byte) bool {
	switch codec {
	case VP8:
		return bytes.Equal(payload, vp8KeyFrame8x8)
	case Opus:
		return bytes.Equal(payload, opusSilenceFrame)
	}
	return false
}
