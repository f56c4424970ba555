package livekit

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/webrtc/v4"

	"confer/app"
)

// session is one connection to a room. Every goroutine it starts is counted
// in wg, and close waits for them all.
type session struct {
	t        *Transport
	post     func(app.Signal)
	room     *lksdk.Room
	url      string // the server's, set before joining
	levels   levels
	live     liveness
	up       uplink
	nacks    *nackCounter
	nackGens *nackGenerators // Confer's NACK generators, for the round trip (nackgen.go)
	taps     *rtcpTaps       // RTCP for tracks whose reports the SDK drops (rtcptap.go)
	crypt    sessionKeys     // end-to-end encryption (e2ee.go)
	// chatOrder keeps each sender's messages in order (chatorder.go).
	chatOrder chatOrder

	levelPoke chan struct{} // capacity 1: the level interval changed
	dirty     chan struct{} // capacity 1: the roster may have changed
	quit      chan struct{}
	ctx       context.Context // done once close begins: bounds the session's own requests
	cancelCtx context.CancelFunc
	closed    atomic.Bool // set first thing in close; silences posts
	probing   atomic.Bool // a probe is under way

	mu   sync.Mutex // guards pubs, and wg.Add against close
	pubs [app.SourceCount]*published
	wg   sync.WaitGroup
}

func newSession(t *Transport, post func(app.Signal)) *session {
	s := &session{
		t:         t,
		post:      post,
		levelPoke: make(chan struct{}, 1),
		dirty:     make(chan struct{}, 1),
		quit:      make(chan struct{}),
		nacks:     newNackCounter(),
		nackGens:  &nackGenerators{},
		taps:      newRTCPTaps(),
	}
	s.ctx, s.cancelCtx = context.WithCancel(context.Background())
	s.room = lksdk.NewRoom(s.callbacks())
	s.registerStreams()
	s.up.log = t.config().Log
	s.up.floor = max(uplinkMinBitrate, t.config().UplinkFloor)
	s.up.initial = max(uplinkStartKbps*1000, s.up.floor)
	s.wg.Add(4)
	go s.rosterLoop()
	go s.levelLoop()
	go s.sampleLoop()
	go s.rateLoop()
	return s
}

// pokeLevels makes levelLoop read the interval again.
func (s *session) pokeLevels() {
	select {
	case s.levelPoke <- struct{}{}:
	default:
	}
}

func (s *session) join(ctx context.Context, url, token string) error {
	s.url = url
	ics, err := s.interceptors()
	if err != nil {
		return err
	}
	err = s.room.JoinWithContextAndToken(ctx, url, token, lksdk.WithAutoSubscribe(true),
		s.e2eeJoinOption(), // data packets encrypted with the media's key (e2ee.go)
		lksdk.WithInterceptors(ics), lksdk.WithIncludeDefaultInterceptors(false),
		lksdk.WithCodecs(s.codecs()))
	if err != nil {
		return err
	}
	s.live.noteRx()
	s.live.joined.Store(true)
	// Everyone already there, before Connect returns: the call tells them
	// from those who join later.
	s.emit(app.RosterChanged{Participants: s.roster()})
	s.goTracked(func() { s.learnCluster(token) })
	return nil
}

// close stops publishing, leaves and waits for every goroutine of the session.
func (s *session) close() {
	s.mu.Lock()
	already := s.closed.Swap(true)
	s.mu.Unlock()
	if already {
		return
	}
	s.cancelCtx()
	s.stopPublishing()
	s.room.Disconnect()
	close(s.quit)
	s.wg.Wait()
	// The SDK asks the server's validate endpoint through Go's default
	// client when a (re)connection fails, and keeps that connection idle
	// for reuse: two goroutines that would outlive the call by 90 s. Our
	// own requests close theirs (req.Close); this closes the SDK's.
	http.DefaultClient.CloseIdleConnections()
}

func (s *session) emit(sig app.Signal) {
	if !s.closed.Load() {
		s.post(sig)
	}
}

// goTracked runs fn on a goroutine close waits for, unless close began.
func (s *session) goTracked(fn func()) bool {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

func (s *session) markDirty() {
	select {
	case s.dirty <- struct{}{}:
	default:
	}
}

// callbacks only note what happened; the roster itself is re-read by
// rosterLoop, so no SDK lock is ever held while we read SDK state.
func (s *session) callbacks() *lksdk.RoomCallback {
	dirty := func(lksdk.TrackPublication, lksdk.Participant) { s.markDirty() }
	return &lksdk.RoomCallback{
		OnParticipantConnected: func(*lksdk.RemoteParticipant) { s.markDirty() },
		OnParticipantDisconnected: func(rp *lksdk.RemoteParticipant) {
			// Posted before the roster that no longer has them, so the
			// call reports why they left.
			s.emit(app.UserDeparting{UserID: rp.Identity(), Reason: leaveReason(rp.DisconnectReason())})
			s.markDirty()
		},
		// The SDK's word is evidence like any other: sampled now, judged
		// by the call's link machine.
		OnReconnecting: s.sampleNow,
		OnReconnected: func() {
			s.sampleNow()
			s.markDirty()
		},
		OnDisconnectedWithReason: func(lksdk.DisconnectionReason) { s.onLost() },
		ParticipantCallback: lksdk.ParticipantCallback{
			OnDataPacket:               s.onData,
			OnConnectionQualityChanged: s.onQuality,
			OnAttributesChanged:        s.onAttributes,
			OnTrackMuted:               s.onTrackMuted,
			OnTrackUnmuted:             dirty,
			OnTrackPublished:           func(*lksdk.RemoteTrackPublication, *lksdk.RemoteParticipant) { s.markDirty() },
			OnTrackUnpublished:         func(*lksdk.RemoteTrackPublication, *lksdk.RemoteParticipant) { s.markDirty() },
			OnTrackSubscribed:          s.onTrackSubscribed,
			OnTrackUnsubscribed:        func(*webrtc.TrackRemote, *lksdk.RemoteTrackPublication, *lksdk.RemoteParticipant) { s.markDirty() },
		},
	}
}

func (s *session) onQuality(q *livekit.ConnectionQualityInfo, p lksdk.Participant) {
	user := ""
	if _, local := p.(*lksdk.LocalParticipant); !local {
		user = p.Identity()
	}
	quality := app.QualityUnknown
	switch q.GetQuality() {
	case livekit.ConnectionQuality_EXCELLENT:
		quality = app.QualityExcellent
	case livekit.ConnectionQuality_GOOD:
		quality = app.QualityGood
	case livekit.ConnectionQuality_POOR:
		quality = app.QualityPoor
	case livekit.ConnectionQuality_LOST:
		quality = app.QualityLost
	}
	s.emit(app.NetworkQuality{UserID: user, Quality: quality})
}

// rosterLoop posts a fresh roster whenever something may have changed.
func (s *session) rosterLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.quit:
			return
		case <-s.dirty:
			// While the SDK reconnects it forgets everyone and re-adds them;
			// that is no news. Recovery marks dirty again.
			if s.room.ConnectionState() == lksdk.ConnectionStateReconnecting {
				continue
			}
			s.emit(app.RosterChanged{Participants: s.roster()})
		}
	}
}

func (s *session) roster() []app.Participant {
	rps := s.room.GetRemoteParticipants()
	out := make([]app.Participant, 0, len(rps))
	unmuted := 0
	for _, rp := range rps {
		p := app.Participant{UserID: rp.Identity(), Name: rp.Name(), Attributes: rp.Attributes()}
		for _, pub := range rp.TrackPublications() {
			p.Tracks = append(p.Tracks, app.Track{Source: sourceOf(pub), Muted: pub.IsMuted()})
			// Everything is subscribed (auto-subscribe). The SDK's
			// IsSubscribed reads without its lock: a race, so not asked.
			// A video on another page is disabled: nothing comes from it.
			if !pub.IsMuted() && enabled(pub) {
				unmuted++
			}
		}
		out = append(out, p)
	}
	s.live.unmutedRemote.Store(int32(unmuted))
	return out
}

func enabled(pub lksdk.TrackPublication) bool {
	rp, ok := pub.(*lksdk.RemoteTrackPublication)
	return !ok || rp.IsEnabled()
}

// trackSources maps Confer's sources to LiveKit's, indexed by app.Source.
var trackSources = [app.SourceCount]livekit.TrackSource{
	app.SourceCamera:      livekit.TrackSource_CAMERA,
	app.SourceMicrophone:  livekit.TrackSource_MICROPHONE,
	app.SourceScreen:      livekit.TrackSource_SCREEN_SHARE,
	app.SourceScreenAudio: livekit.TrackSource_SCREEN_SHARE_AUDIO,
}

func trackSource(src app.Source) livekit.TrackSource { return trackSources[src] }

func sourceOf(pub lksdk.TrackPublication) app.Source {
	for src, lk := range trackSources {
		if lk == pub.Source() {
			return app.Source(src)
		}
	}
	// Unknown: by kind, as other clients' untagged tracks mean.
	if pub.Kind() == lksdk.TrackKindAudio {
		return app.SourceMicrophone
	}
	return app.SourceCamera
}

// onLost runs when the SDK has disconnected without being asked to. The
// call decides what follows; its teardown comes back as Disconnect.
func (s *session) onLost() {
	if s.closed.Load() {
		return
	}
	kick, err := lossReason(s.room.DisconnectReason())
	s.emit(app.LinkLost{Kick: kick, Err: err})
}

// leaveReason says why a remote user left.
func leaveReason(r livekit.DisconnectReason) app.LeaveReason {
	switch r {
	case livekit.DisconnectReason_CLIENT_INITIATED, livekit.DisconnectReason_UNKNOWN_REASON:
		return app.LeftNormally
	case livekit.DisconnectReason_PARTICIPANT_REMOVED, livekit.DisconnectReason_DUPLICATE_IDENTITY,
		livekit.DisconnectReason_ROOM_DELETED, livekit.DisconnectReason_ROOM_CLOSED:
		return app.LeftRemoved
	}
	return app.LeftConnectionLost
}

// lossReason reads the raw protocol reason: the SDK's own summary folds
// ROOM_DELETED into "other".
func lossReason(r livekit.DisconnectReason) (*app.KickReason, error) {
	kick := func(k app.KickReason) (*app.KickReason, error) { return &k, nil }
	switch r {
	case livekit.DisconnectReason_DUPLICATE_IDENTITY:
		return kick(app.KickDuplicate)
	case livekit.DisconnectReason_PARTICIPANT_REMOVED:
		return kick(app.KickRemoved)
	case livekit.DisconnectReason_ROOM_DELETED, livekit.DisconnectReason_ROOM_CLOSED:
		return kick(app.KickRoomClosed)
	case livekit.DisconnectReason_SERVER_SHUTDOWN:
		return nil, app.ErrServerGone
	}
	return nil, app.ErrConnectionLost
}

// codecs are what Confer sends and receives: Opus, RED of Opus (redtrack.go)
// unless the call is encrypted (e2ee.go), and VP8, without RTX. LiveKit's
// Go SDK publishes simulcast layers by RID but does not register the
// repaired-RID header extension, so the server cannot tell which layer an
// RTX retransmission repairs and drops it: a publisher behind a lossy link
// got none of its retransmissions through. Without RTX, pion's NACK
// responder resends the original packet on the layer's own SSRC, which
// the server takes as a late packet, and receivers get the server's
// retransmissions the same way (the jitter buffer wants original sequence
// numbers either way).
func (s *session) codecs() []livekit.Codec {
	if s.keys().on {
		return []livekit.Codec{{Mime: webrtc.MimeTypeOpus}, {Mime: webrtc.MimeTypeVP8}}
	}
	return []livekit.Codec{{Mime: webrtc.MimeTypeOpus}, {Mime: mimeTypeRED}, {Mime: webrtc.MimeTypeVP8}}
}
