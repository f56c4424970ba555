package load

import (
	"context"
	"sync"
	"time"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// freezeGap is a gap between two frames that a viewer sees as a freeze
// (the bot's measure: 200 ms is six frames at 30 fps, three at 15).
const freezeGap = 200 * time.Millisecond

// member is one load participant.
type member struct {
	id      string
	publish bool

	room   *lksdk.Room
	joinAt time.Time
	joined time.Duration
	err    error

	mu      sync.Mutex
	streams []*stream // received video, one per publisher
	wg      sync.WaitGroup
	// firsts hears of each stream's first frame (never blocks: the run
	// makes room for every stream it expects).
	firsts chan<- struct{}
}

// stream counts one received video track.
type stream struct {
	first   time.Duration // join start → first frame
	frames  int
	packets int
	lastTS  uint32
	last    time.Time
	longest time.Duration
	freezes int
}

func (m *member) join(ctx context.Context, url string, cfg Config, src *source) {
	tok, err := token(cfg, m.id, m.publish)
	if err != nil {
		m.err = err
		return
	}
	cb := lksdk.NewRoomCallback()
	cb.OnTrackSubscribed = func(t *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			m.wg.Add(1)
			go m.count(t)
		}
	}
	if ctx.Err() != nil {
		m.err = ctx.Err()
		return
	}
	m.joinAt = time.Now()
	m.room, err = lksdk.ConnectToRoomWithToken(url, tok, cb, lksdk.WithAutoSubscribe(!m.publish))
	if err != nil {
		m.err = err
		return
	}
	m.joined = time.Since(m.joinAt)
	if m.publish {
		m.err = m.publishTracks(src)
	}
}

// publishTracks publishes a camera and a microphone fed by the shared source.
func (m *member) publishTracks(src *source) error {
	video, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		lksdk.WithRTCPHandler(func(p rtcp.Packet) {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				src.askKeyframe()
			}
		}))
	if err != nil {
		return err
	}
	video.OnBind(src.askKeyframe)
	audio, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
	if err != nil {
		return err
	}
	lp := m.room.LocalParticipant
	if _, err := lp.PublishTrack(video, &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA,
		VideoWidth: int(src.frame.Width), VideoHeight: int(src.frame.Height)}); err != nil {
		return err
	}
	if _, err := lp.PublishTrack(audio, &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE}); err != nil {
		return err
	}
	src.add(video, audio)
	return nil
}

// count reads a video track until it ends: frames are told apart by their
// RTP timestamps, without decoding.
func (m *member) count(t *webrtc.TrackRemote) {
	defer m.wg.Done()
	s := &stream{first: -1}
	m.mu.Lock()
	m.streams = append(m.streams, s)
	m.mu.Unlock()
	for {
		p, _, err := t.ReadRTP()
		if err != nil {
			return
		}
		now := time.Now()
		m.mu.Lock()
		s.packets++
		first := s.frames == 0
		if first || p.Timestamp != s.lastTS {
			s.note(now, m.joinAt)
			s.lastTS = p.Timestamp
		}
		m.mu.Unlock()
		if first {
			select {
			case m.firsts <- struct{}{}:
			default:
			}
		}
	}
}

func (s *stream) note(now, joinAt time.Time) {
	if s.frames == 0 {
		s.first = now.Sub(joinAt)
	} else if gap := now.Sub(s.last); gap > freezeGap {
		s.freezes++
		s.longest = max(s.longest, gap)
	}
	s.frames++
	s.last = now
}

func (m *member) leave() {
	if m.room != nil {
		m.room.Disconnect()
	}
	m.wg.Wait()
}
