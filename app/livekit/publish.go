package livekit

import (
	"crypto/rand"
	"sync/atomic"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"confer/app"
	"confer/media"
	"confer/media/pipeline"
)

// published is one local source on the air: its tracks and the pipeline
// feeding them. A restart (another device, another quality) keeps the
// tracks and replaces the pipeline, so others see the picture change, not
// the track go and come back.
type published struct {
	// tracks are the layers, full size first (a camera sends a small
	// simulcast layer beside it; a screen and a microphone send one).
	tracks []*lksdk.LocalTrack
	pub    *lksdk.LocalTrackPublication
	// keyframe points at the current video pipeline's keyframe request by
	// layer; each track's RTCP handler calls it on PLI or FIR.
	keyframe *atomic.Pointer[func(layer int)]
	stop     func()          // stops the pipeline, releasing the device
	done     <-chan struct{} // closed when the pipeline ends, by stop or by itself
	// setRate gives a video pipeline its share of the uplink (kbit/s);
	// nil for audio.
	setRate func(kbps int)
	nominal int // kbit/s the source is configured for, all layers
	// mic is the microphone pipeline; nil for video.
	mic pipeline.AudioSender
	// muted: a microphone turned off in the call; it stays open, sends
	// nothing, and its track is marked muted.
	muted bool
	// loss points at the current microphone pipeline's SetExpectedLoss;
	// the track's RTCP handler feeds it receiver reports.
	loss *atomic.Pointer[func(pct int)]
}

// ended tells whether the pipeline stopped by itself (or was stopped).
func (p *published) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// setSource starts or stops one local source. The call's worker calls it
// one source change at a time, so no two changes interleave.
func (s *session) setSource(src app.Source, on bool) error {
	if src == app.SourceMicrophone && s.muteMicrophone(!on) {
		return nil
	}
	s.mu.Lock()
	cur := s.pubs[src]
	dead := cur != nil && cur.ended()
	if !on || dead {
		s.pubs[src] = nil
	}
	s.mu.Unlock()
	if cur != nil && (!on || dead) {
		// Off, or a pipeline that ended by itself (unplugged): take its
		// track off the air before anything else.
		s.unpublish(cur.pub)
		cur.stop()
		cur = nil
	}
	if !on || cur != nil {
		return nil
	}
	if s.closed.Load() {
		return app.ErrNotJoined
	}
	p, err := s.publish(src)
	if err != nil {
		return err
	}
	s.install(src, p)
	return nil
}

// muteMicrophone mutes or unmutes a microphone that is on the air; false
// when there is none, so it must be started (or there is nothing to stop).
func (s *session) muteMicrophone(mute bool) bool {
	s.mu.Lock()
	p := s.pubs[app.SourceMicrophone]
	ok := p != nil && !p.ended() && (mute || p.muted)
	if ok {
		p.muted = mute
	}
	s.mu.Unlock()
	if !ok {
		return false
	}
	p.mic.SetMuted(mute)
	p.pub.SetMuted(mute)
	return true
}

// setProcessing switches the running microphone's processing.
func (s *session) setProcessing(cfg media.AudioProcessing) error {
	s.mu.Lock()
	p := s.pubs[app.SourceMicrophone]
	s.mu.Unlock()
	if p == nil || p.mic == nil {
		return nil
	}
	return p.mic.SetProcessing(cfg)
}

// restartSource restarts a source that is on with the current settings
// (device, quality, profile), on the same tracks. A source that is off
// stays off; the settings apply when it is turned on.
func (s *session) restartSource(src app.Source) error {
	s.mu.Lock()
	cur := s.pubs[src]
	if cur != nil && !cur.ended() {
		s.pubs[src] = nil
	} else {
		cur = nil
	}
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	// The device is free only once the old pipeline has stopped.
	cur.stop()
	p, err := s.start(src, cur.tracks, cur.keyframe, cur.loss)
	if err != nil {
		s.unpublish(cur.pub)
		return err
	}
	p.pub = cur.pub
	if p.muted = cur.muted; p.mic != nil {
		p.mic.SetMuted(p.muted) // a muted microphone stays muted on the new device
	}
	s.install(src, p)
	return nil
}

// install makes p the source's current publication and watches it, unless
// the session closed meanwhile: close takes the sources under mu after
// setting closed, so a source is either seen by close or stopped here.
func (s *session) install(src app.Source, p *published) {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		p.stop()
		return
	}
	s.pubs[src] = p
	s.mu.Unlock()
	s.goTracked(func() { s.watch(src, p) })
}

// watch reports a pipeline that ended by itself (device unplugged,
// display gone). The call turns the source off and asks for it to be
// taken off the air, in order with everything else it asked.
func (s *session) watch(src app.Source, p *published) {
	select {
	case <-p.done:
	case <-s.quit:
		return
	}
	s.mu.Lock()
	lost := s.pubs[src] == p && !s.closed.Load()
	s.mu.Unlock()
	if lost {
		s.emit(app.SourceEnded{Source: src, Err: app.ErrDeviceLost})
	}
}

// publish creates the tracks of src, starts its pipeline and publishes.
func (s *session) publish(src app.Source) (*published, error) {
	kf, loss := new(atomic.Pointer[func(int)]), new(atomic.Pointer[func(int)])
	tracks, air, err := s.newTracks(src, kf, loss)
	if err != nil {
		return nil, err
	}
	// The pipeline starts first: a device that cannot open must not leave
	// a published track behind.
	p, err := s.start(src, tracks, kf, loss)
	if err != nil {
		return nil, err
	}
	var pub *lksdk.LocalTrackPublication
	if air == nil {
		pub, err = s.room.LocalParticipant.PublishSimulcastTrack(tracks, s.sealedOptions(s.publicationOptions(src)))
	} else {
		pub, err = s.room.LocalParticipant.PublishTrack(air, s.sealedOptions(s.publicationOptions(src)))
	}
	if err != nil {
		p.stop()
		return nil, err
	}
	p.pub = pub
	return p, nil
}

// simulcastID names a new publication's layers. The SDK uses it as the
// track ID of every layer, and the server matches publications by that ID,
// so each publication needs its own: a camera turned off and on again must
// not look like the track it replaces.
func simulcastID() string { return "camera-" + rand.Text()[:10] }

// newTracks makes the tracks of a source: for a camera one per layer of
// pipeline.CameraLayers, full size first. A source of one track also
// gives what is published for it (the microphone's redTrack wraps its
// track); nil for simulcast layers.
func (s *session) newTracks(src app.Source, kf, loss *atomic.Pointer[func(int)]) ([]*lksdk.LocalTrack, webrtc.TrackLocal, error) {
	if src == app.SourceMicrophone {
		return s.newAudioTrack(loss)
	}
	if src != app.SourceCamera || !s.simulcast() {
		t, err := s.newVideoTrack(0, kf)
		return []*lksdk.LocalTrack{t}, t, err
	}
	id := simulcastID()
	layers := pipeline.CameraLayers(s.t.config().Video)
	qualities := layerQualities(len(layers))
	var tracks []*lksdk.LocalTrack
	for i, l := range layers {
		t, err := s.newVideoTrack(i, kf, lksdk.WithSimulcast(id, &livekit.VideoLayer{
			Quality: qualities[i], Width: uint32(l.Width), Height: uint32(l.Height)}))
		if err != nil {
			return nil, nil, err
		}
		tracks = append(tracks, t)
	}
	if len(tracks) == 1 {
		return tracks, tracks[0], nil
	}
	return tracks, nil, nil
}

// layerQualities names n layers, full size first, as LiveKit does.
func layerQualities(n int) []livekit.VideoQuality {
	switch n {
	case 1:
		return []livekit.VideoQuality{livekit.VideoQuality_HIGH}
	case 2:
		return []livekit.VideoQuality{livekit.VideoQuality_HIGH, livekit.VideoQuality_LOW}
	}
	return []livekit.VideoQuality{livekit.VideoQuality_HIGH, livekit.VideoQuality_MEDIUM, livekit.VideoQuality_LOW}
}

// newAudioTrack makes the Opus track; the server's receiver reports on it
// set how much in-band FEC the encoder adds, and how many copies RED
// carries. Unless the call is encrypted it is published as a redTrack,
// which sends RED where the server takes it.
func (s *session) newAudioTrack(loss *atomic.Pointer[func(int)]) ([]*lksdk.LocalTrack, webrtc.TrackLocal, error) {
	var t *lksdk.LocalTrack
	var rt *redTrack
	onRTCP := func(p rtcp.Packet) {
		s.live.noteRx()
		rr, ok := p.(*rtcp.ReceiverReport)
		if !ok {
			return
		}
		pct := lossPercent(rr, uint32(t.SSRC()))
		if f := loss.Load(); f != nil {
			(*f)(pct)
		}
		if rt != nil {
			rt.noteLoss(pct)
		}
	}
	opus := webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1"}
	if s.keys().on {
		var err error
		t, err = lksdk.NewLocalTrack(opus, lksdk.WithRTCPHandler(onRTCP))
		return []*lksdk.LocalTrack{t}, t, err
	}
	t, err := lksdk.NewLocalTrack(opus)
	if err != nil {
		return nil, nil, err
	}
	rt = newREDTrack(t, webrtc.RTPCodecCapability{MimeType: mimeTypeRED, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "111/111"}, s.taps, onRTCP)
	return []*lksdk.LocalTrack{t}, rt, nil
}

// lossPercent is the loss a receiver report gives for ssrc (-1: none).
func lossPercent(rr *rtcp.ReceiverReport, ssrc uint32) int {
	for _, r := range rr.Reports {
		if r.SSRC == ssrc {
			return int(r.FractionLost) * 100 / 256
		}
	}
	return -1
}

// newVideoTrack makes one VP8 layer whose PLI and FIR ask that layer of
// the current pipeline for a keyframe.
func (s *session) newVideoTrack(layer int, kf *atomic.Pointer[func(int)], opts ...lksdk.LocalTrackOptions) (*lksdk.LocalTrack, error) {
	askKeyframe := func() {
		if f := kf.Load(); f != nil {
			(*f)(layer)
		}
	}
	opts = append(opts, lksdk.WithRTCPHandler(func(p rtcp.Packet) {
		s.live.noteRx()
		switch p.(type) {
		case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
			askKeyframe()
		}
	}))
	track, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, opts...)
	if err != nil {
		return nil, err
	}
	// Frames written before the track is bound are dropped by the SDK; the
	// first one after binding must be a keyframe.
	track.OnBind(askKeyframe)
	return track, nil
}

func (s *session) publicationOptions(src app.Source) *lksdk.TrackPublicationOptions {
	cfg := s.t.config()
	switch src {
	case app.SourceMicrophone:
		return &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE}
	case app.SourceScreen:
		return &lksdk.TrackPublicationOptions{Name: "screen", Source: livekit.TrackSource_SCREEN_SHARE,
			VideoWidth: cfg.Screen.MaxWidth, VideoHeight: cfg.Screen.MaxHeight}
	}
	return &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA,
		VideoWidth: cfg.Video.Width, VideoHeight: cfg.Video.Height}
}

// unpublish takes a track off the air. It is muted first: the server
// tells the others of a mute at once, while it tells them of a track
// unpublished only once it has taken the publisher's next offer and
// ended the track's receivers. A camera turned off while its picture
// flowed stood still on the others' screens for 220 ms before their
// tile turned off (TestACameraTurnedOffIsSeenOffAtOnce).
func (s *session) unpublish(pub *lksdk.LocalTrackPublication) {
	pub.SetMuted(true)
	if err := s.room.LocalParticipant.UnpublishTrack(pub.SID()); err != nil {
		s.t.config().Log.Debug("unpublish", "err", err)
	}
}

// stopPublishing ends every pipeline, releasing the devices.
func (s *session) stopPublishing() {
	s.mu.Lock()
	pubs := s.pubs
	s.pubs = [app.SourceCount]*published{}
	s.mu.Unlock()
	for _, p := range pubs {
		if p != nil {
			p.stop()
		}
	}
}

// publishing tells whether anything local is on the air.
func (s *session) publishing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pubs {
		if p != nil {
			return true
		}
	}
	return false
}

// trackWriter adapts an SDK track to media.SampleWriter.
type trackWriter struct{ t *lksdk.LocalTrack }

func (w trackWriter) WriteSample(s media.Sample) error {
	return w.t.WriteSample(pionmedia.Sample{Data: s.Data, Duration: s.Duration, Timestamp: s.Timestamp}, nil)
}
