package livekit

import (
	"io"
	"math"
	"strings"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"confer/app"
	"confer/media"
	"confer/media/pipeline"
	"confer/media/red"
)

// onTrackSubscribed starts a receive goroutine for the track. It ends when
// the track does (unsubscribed, or the connection closed).
func (s *session) onTrackSubscribed(track *webrtc.TrackRemote, pub *lksdk.RemoteTrackPublication, rp *lksdk.RemoteParticipant) {
	user, source := rp.Identity(), sourceOf(pub)
	if track.Kind() == webrtc.RTPCodecTypeVideo {
		s.applyKnownSize(user, source, pub)
	}
	s.markDirty() // after the size: the link counts enabled tracks only
	// No receiver starts once close is waiting (goTracked).
	log := s.t.config().Log
	s.goTracked(func() {
		s.seedRTT()
		var err error
		reader := packetReader{track, &s.live}
		decrypt := s.opener(user, source, pub, track.Kind()) // nil unless encrypted (e2ee.go)
		if track.Kind() == webrtc.RTPCodecTypeVideo {
			err = pipeline.ReceiveVideo(reader, pipeline.VideoReceiveConfig{
				Sink:            s.videoSink(user, source),
				RequestKeyframe: func() { rp.WritePLI(track.SSRC()) },
				NACKsSent:       s.nacks.counter(uint32(track.SSRC())).Load,
				Log:             log,
				Decrypt:         decrypt,
			})
		} else {
			sink := s.audioSink(user, source)
			var in media.PacketReader = reader
			if strings.EqualFold(track.Codec().MimeType, mimeTypeRED) {
				// The copies stand in for packets lost on the way.
				in = red.NewReader(reader, uint8(track.PayloadType()))
			}
			err = pipeline.ReceiveAudio(in, pipeline.AudioReceiveConfig{Sink: sink, Decrypt: decrypt})
			sink.Close()
			if source == app.SourceMicrophone {
				s.levels.dropRemote(user)
			}
		}
		if err != nil {
			log.Debug("remote track ended", "user", user, "source", source, "err", err)
		}
	})
}

// seedRTT hands the NACK generators the subscriber connection's round
// trip from its ICE checks, known once media flows, while no report has
// measured it yet (nackGenerators.Seed). The server does the same for
// its retransmissions to us (third_party/patches, nack-timing).
func (s *session) seedRTT() {
	pc := s.room.LocalParticipant.GetSubscriberPeerConnection()
	if pc == nil {
		return
	}
	for _, r := range pc.GetReceivers() {
		if t := r.Transport(); t != nil {
			if st, ok := t.ICETransport().GetSelectedCandidatePairStats(); ok {
				s.nackGens.Seed(wholeMs(st.CurrentRoundTripTime))
			}
			return // one transport: the connection bundles its media
		}
	}
}

// wholeMs is a time in seconds in whole milliseconds, rounded up so that
// a round trip under a millisecond is 1, not "unknown".
func wholeMs(sec float64) uint32 {
	if sec <= 0 {
		return 0
	}
	return uint32(math.Ceil(sec * 1000))
}

func (s *session) videoSink(user string, source app.Source) media.FrameSink {
	if vs := s.t.config().VideoSink; vs != nil {
		if sink := vs(user, source); sink != nil {
			return sink
		}
	}
	return media.FrameSinkFunc(func(*media.VideoFrame) {})
}

// audioSink wraps the owner's sink so a locally muted user is not played.
// Close is passed on when the track ends (a mixer input leaves the mix).
func (s *session) audioSink(user string, source app.Source) *mutableSink {
	var sink media.PCMSink = media.PCMSinkFunc(func([]int16) {})
	if as := s.t.config().AudioSink; as != nil {
		if x := as(user, source); x != nil {
			sink = x
		}
	}
	m := &mutableSink{sink: sink, playback: func() (bool, float64) { return s.t.playback(user) }}
	if source == app.SourceMicrophone {
		m.level = s.levels.remoteMeter(user)
	}
	return m
}

// mutableSink measures the level of what it receives (a locally muted
// person still speaks) and passes it on unless muted, at the volume the
// person chose for them. One receive goroutine writes to it.
type mutableSink struct {
	sink     media.PCMSink
	playback func() (muted bool, gain float64)
	level    *meter
	scaled   []int16 // reused for a gain other than 1
}

func (m *mutableSink) WritePCM(pcm []int16) {
	if m.level != nil {
		m.level.addPCM(pcm)
	}
	muted, gain := m.playback()
	switch {
	case muted:
	case gain == 1:
		m.sink.WritePCM(pcm)
	default:
		m.scaled = applyGain(m.scaled[:0], pcm, gain)
		m.sink.WritePCM(m.scaled)
	}
}

// applyGain appends pcm times gain to out, clipped to 16 bits rather than
// wrapped around.
func applyGain(out, pcm []int16, gain float64) []int16 {
	for _, s := range pcm {
		v := math.Round(float64(s) * gain)
		out = append(out, int16(max(-32768, min(32767, v))))
	}
	return out
}

// AudioStats passes the pipeline's counters to the owner's sink.
func (m *mutableSink) AudioStats(s media.AudioReceiveStats) {
	if o, ok := m.sink.(media.AudioStatsObserver); ok {
		o.AudioStats(s)
	}
}

func (m *mutableSink) Close() {
	if c, ok := m.sink.(io.Closer); ok {
		c.Close()
	}
}

// packetReader adapts a remote track to media.PacketReader, noting each
// packet as evidence that the link is alive.
type packetReader struct {
	t    *webrtc.TrackRemote
	live *liveness
}

func (r packetReader) Read(b []byte) (int, error) {
	n, _, err := r.t.Read(b)
	if err == nil {
		r.live.noteRx()
	}
	return n, err
}

// SetReadDeadline lets the receive pipeline wake without a packet: a
// retransmission wait running out, a frame's render time.
func (r packetReader) SetReadDeadline(t time.Time) error { return r.t.SetReadDeadline(t) }
