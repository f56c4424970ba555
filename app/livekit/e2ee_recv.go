package livekit

import (
	"bytes"
	"errors"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"confer/app"
	"confer/media"
	"confer/media/e2ee"
)

// opener returns the Decrypt hook of a subscribed track, or nil for a
// track its sender does not encrypt, which plays as it comes. It reports
// the track's state to the call as RemoteEncryption, whenever this call or
// that track is encrypted. It runs on the track's receive goroutine: the
// room's SIF trailer is read under the SDK's lock.
func (s *session) opener(user string, src app.Source, pub *lksdk.RemoteTrackPublication, kind webrtc.RTPCodecType) media.Decrypt {
	k := s.keys()
	report := func(st app.Encryption, failed int) {
		s.emit(app.RemoteEncryption{UserID: user, Source: src, State: st, Failed: failed})
	}
	enc := livekit.Encryption_NONE
	if info := pub.TrackInfo(); info != nil {
		enc = info.Encryption
	}
	if enc == livekit.Encryption_NONE {
		if k.on {
			report(app.EncryptionNone, 0)
		}
		return nil
	}
	o := &trackOpener{codec: e2ee.VP8, report: report, sif: s.room.SifTrailer()}
	if kind == webrtc.RTPCodecTypeAudio {
		o.codec = e2ee.Opus
	}
	if k.ring != nil && enc == livekit.Encryption_GCM {
		o.open = e2ee.NewFrameCryptor(k.ring, 0)
		o.open.SetSIFTrailer(o.sif)
	} else {
		o.judge(app.EncryptionNoKey) // nothing to try: say so at once
	}
	return o.decrypt
}

// errBlankOfRefused drops a server's blank frame on a track whose own
// frames cannot be opened; it is not counted as the sender's.
var errBlankOfRefused = errors.New("livekit: the server's blank frame on a track that cannot be opened")

// reportEvery spaces the reports of a failure count that keeps rising.
const reportEvery = time.Second

// trackOpener decrypts one subscribed track's frames and says how that
// goes. Only the track's receive goroutine uses it.
type trackOpener struct {
	open   *e2ee.FrameCryptor // nil: no key here
	codec  e2ee.Codec
	sif    []byte // the room's server-injected-frame trailer
	report func(state app.Encryption, failed int)

	state      app.Encryption
	judged     bool // state was reported
	failed     int  // frames refused
	toldFailed int
	toldAt     time.Time
}

// decrypt is the receive pipeline's Decrypt hook.
func (o *trackOpener) decrypt(dst, frame []byte) ([]byte, error) {
	if len(frame) == 0 {
		return dst, nil // nothing to judge: empty (DTX) frames are never encrypted
	}
	if o.open == nil {
		o.refuse(app.EncryptionNoKey)
		return nil, e2ee.ErrNoKey
	}
	out, err := o.open.Decrypt(dst, frame, o.codec)
	switch {
	case err == nil && o.serverInjected(frame):
		// The server's own blank frames pass without a key and say
		// nothing about the sender's. They flush a decoder of the
		// sender's last pictures (on mute, on leaving); on a track whose
		// frames are refused there is nothing to flush, and a blank
		// picture or silence would be played as the sender's.
		if o.judged && o.state != app.EncryptionOK {
			return nil, errBlankOfRefused
		}
	case err == nil:
		o.judge(app.EncryptionOK)
	case errors.Is(err, e2ee.ErrNoKey):
		o.refuse(app.EncryptionNoKey)
	default:
		o.refuse(app.EncryptionFailed)
	}
	return out, err
}

func (o *trackOpener) serverInjected(frame []byte) bool {
	return len(o.sif) > 0 && bytes.HasSuffix(frame, o.sif)
}

func (o *trackOpener) refuse(st app.Encryption) {
	o.failed++
	o.judge(st)
}

// judge reports a state when it changes, and a rising failure count at
// most every reportEvery.
func (o *trackOpener) judge(st app.Encryption) {
	if o.judged && st == o.state && (o.failed == o.toldFailed || time.Since(o.toldAt) < reportEvery) {
		return
	}
	o.judged, o.state, o.toldFailed, o.toldAt = true, st, o.failed, time.Now()
	o.report(st, o.failed)
}
