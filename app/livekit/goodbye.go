package livekit

import (
	"sync/atomic"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"

	"confer/media"
)

// A simulcast layer that the sender stops (its congestion control leaves
// too little for it) says goodbye: an RTCP BYE for the layer's SSRC, once
// its last packets have left the pacer. RFC 3550 gives BYE that meaning,
// and Confer's server takes it (third_party/patches/livekit-server,
// layer-bye.patch) to move the layer's receivers at once. Without it the
// server notices only after a cycle of its stream tracker without packets,
// and the receivers' picture stood still for 0.2–0.4 s before the smaller
// layer's keyframe. Another LiveKit server ignores the goodbye, and the
// layer's next packets make it known again.

// layerWriter is the writer of a camera's simulcast layer: what the sender
// writes goes to the track, StopLayer (video.LayerStopper) says goodbye for
// it, and Paused (video.LayerPauser) passes on the server's word that no
// subscriber takes it.
type layerWriter struct {
	media.SampleWriter
	track *lksdk.LocalTrack
	s     *session
	// stopped is set by StopLayer and cleared by the next write: a layer
	// resumed before its goodbye left keeps quiet.
	stopped atomic.Bool
}

func (w *layerWriter) WriteSample(smp media.Sample) error {
	w.stopped.Store(false)
	return w.SampleWriter.WriteSample(smp)
}

// Paused implements video.LayerPauser: the server's dynacast says that no
// subscriber takes this layer (it says so after livekit-server's
// dynacast_pause_delay, 5 s, and at once when one takes it again).
func (w *layerWriter) Paused() bool { return w.track.Disabled() }

// StopLayer implements video.LayerStopper.
func (w *layerWriter) StopLayer() {
	ssrc := uint32(w.track.SSRC())
	if ssrc == 0 {
		return // not bound: the server has seen nothing of it
	}
	w.stopped.Store(true)
	w.s.up.endStream(ssrc, func() {
		if w.stopped.Load() {
			w.s.sayGoodbye(ssrc)
		}
	})
}

// sayGoodbye sends an RTCP BYE for ssrc on the publisher connection.
func (s *session) sayGoodbye(ssrc uint32) {
	pc := s.room.LocalParticipant.GetPublisherPeerConnection()
	if pc == nil {
		return
	}
	if err := pc.WriteRTCP([]rtcp.Packet{&rtcp.Goodbye{Sources: []uint32{ssrc}}}); err != nil {
		s.t.config().Log.Debug("layer goodbye not sent", "ssrc", ssrc, "err", err)
	}
}
