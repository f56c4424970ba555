package livekit

import (
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"confer/media"
	"confer/media/e2ee"
)

// sealed is the writer of a published track: it encrypts each encoded
// frame first when this participant encrypts.
func (s *session) sealed(t *lksdk.LocalTrack) media.SampleWriter {
	k := s.keys()
	if !k.on {
		return trackWriter{t}
	}
	w := &sealedWriter{track: t, ring: k.ring, codec: e2ee.VP8, clock: 90000, reuse: true}
	if t.Codec().MimeType == webrtc.MimeTypeOpus {
		// The Opus payloader keeps a reference to the data, and the pacer
		// may send it later: each packet needs its own buffer.
		w.codec, w.clock, w.reuse = e2ee.Opus, 48000, false
	}
	return w
}

// sealedWriter encrypts each encoded frame before the SDK packetizes it.
// It wraps the track's writer rather than using the SDK's
// WithFrameEncryptor: the IV wants the track's SSRC, known only once the
// track is bound, and the frame's time, which the SDK's encryptor is not
// given; and the VP8 buffer is reused here, where EncryptFrame would
// allocate one per frame. One pipeline goroutine writes to it.
type sealedWriter struct {
	track *lksdk.LocalTrack
	ring  *e2ee.KeyRing
	codec e2ee.Codec
	clock int64 // the codec's RTP clock rate
	reuse bool  // the payloader copies the frame, so buf can be reused
	seal  *e2ee.FrameCryptor
	buf   []byte
}

func (w *sealedWriter) WriteSample(smp media.Sample) error {
	if w.ring == nil {
		return nil // no key: send nothing rather than plaintext
	}
	if w.seal == nil {
		ssrc := uint32(w.track.SSRC())
		if ssrc == 0 {
			return nil // not bound yet: the SDK would drop the frame too
		}
		w.seal = e2ee.NewFrameCryptor(w.ring, ssrc)
	}
	at := smp.Timestamp
	if at.IsZero() {
		at = time.Now()
	}
	dst := w.buf[:0]
	if !w.reuse {
		dst = nil
	}
	out, err := w.seal.Encrypt(dst, smp.Data, w.codec, rtpTime(at, w.clock))
	if err != nil {
		return err
	}
	if w.reuse {
		w.buf = out
	}
	smp.Data = out
	return trackWriter{w.track}.WriteSample(smp)
}

// rtpTime is a time in units of an RTP clock, for the IV's timestamp
// word: receivers treat the IV as opaque, and what matters is that it
// never repeats under the key. Together with the SSRC and the frame
// counter it does not, across restarts of a pipeline on the same track
// too, since the wall clock moves on.
func rtpTime(at time.Time, clock int64) uint32 {
	return uint32(at.UnixNano() / (int64(time.Second) / clock))
}
