package livekit

import (
	"crypto/rand"
	"errors"
	"sync/atomic"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"confer/app"
	"confer/media"
	"confer/media/video"
)

// published is one local source on the air: a track and the sender
// feeding it. A restart (another device, another quality) keeps the track
// and replaces the sender, so others see the picture change, not the
// track go and come back.
type published struct {
	// tracks are the layers, full size first (a camera sends a small
	// simulcast layer beside it; a screen and a microphone send one).
	tracks []*lksdk.LocalTrack
	pub    *lksdk.LocalTrackPublication
	// keyframe points at the current video sender's keyframe request by
	// layer; each track's RTCP handler calls it on PLI or FIR.
	keyframe *atomic.Pointer[func(layer int)]
	stop     func()          // stops the sender, releasing the device
	done     <-chan struct{} // closed when the sender ends, by stop or by itself
}

// setSource starts or stops one local source. opMu keeps two toggles from
// interleaving; it is never taken by a library callback.
func (s *session) setSource(src app.Source, on bool) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if on && (s.isLost.Load() || s.closed.Load()) {
		return app.ErrNotJoined
	}
	s.mu.Lock()
	cur := s.pubs[src]
	if !on {
		s.pubs[src] = nil
	}
	s.mu.Unlock()
	if on == (cur != nil) {
		return nil
	}
	if !on {
		s.unpublish(cur.pub)
		cur.stop()
		return nil
	}
	p, err := s.publish(src)
	if err != nil {
		return err
	}
	s.install(src, p)
	return nil
}

// restartSource restarts a source that is on with the current options
// (device, quality, profile), on the same track. A source that is off
// stays off; the options apply when it is turned on.
func (s *session) restartSource(src app.Source) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	cur := s.pubs[src]
	s.pubs[src] = nil
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	// The device is free only once the old sender has stopped.
	cur.stop()
	p, err := s.start(src, cur.tracks, cur.keyframe)
	if err != nil {
		s.unpublish(cur.pub)
		return err
	}
	p.pub = cur.pub
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
	s.wg.Add(1)
	s.mu.Unlock()
	go s.watch(src, p)
}

// watch turns a sender that ended by itself (device unplugged, display
// gone) into that source being off and a DeviceError for the owner.
func (s *session) watch(src app.Source, p *published) {
	defer s.wg.Done()
	select {
	case <-p.done:
	case <-s.quit:
		return
	}
	s.opMu.Lock()
	s.mu.Lock()
	lost := s.pubs[src] == p && !s.closed.Load()
	if lost {
		s.pubs[src] = nil
	}
	s.mu.Unlock()
	if lost {
		s.unpublish(p.pub)
	}
	s.opMu.Unlock()
	if lost {
		s.emit(app.DeviceError{Source: src, Err: app.ErrDeviceLost})
	}
}

// publish creates a track for src, publishes it and starts its sender.
func (s *session) publish(src app.Source) (*published, error) {
	kf := new(atomic.Pointer[func(int)])
	tracks, err := s.newTracks(src, kf)
	if err != nil {
		return nil, err
	}
	// The sender starts first: a device that cannot open must not leave
	// a published track behind.
	p, err := s.start(src, tracks, kf)
	if err != nil {
		return nil, err
	}
	var pub *lksdk.LocalTrackPublication
	if len(tracks) > 1 {
		pub, err = s.room.LocalParticipant.PublishSimulcastTrack(tracks, s.publicationOptions(src))
	} else {
		pub, err = s.room.LocalParticipant.PublishTrack(tracks[0], s.publicationOptions(src))
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

// newTracks makes the tracks of a source: full size first, then for a
// camera the small layer (see lowLayer).
func (s *session) newTracks(src app.Source, kf *atomic.Pointer[func(int)]) ([]*lksdk.LocalTrack, error) {
	if src == app.SourceMicrophone {
		t, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		}, lksdk.WithRTCPHandler(func(rtcp.Packet) { s.live.noteRx() }))
		return []*lksdk.LocalTrack{t}, err
	}
	if src != app.SourceCamera {
		t, err := s.newVideoTrack(0, kf)
		return []*lksdk.LocalTrack{t}, err
	}
	s.mu.Lock()
	v := s.opts.Video
	s.mu.Unlock()
	lw, lh := lowLayer(v.Width, v.Height)
	id := simulcastID()
	full, err := s.newVideoTrack(0, kf, lksdk.WithSimulcast(id, &livekit.VideoLayer{
		Quality: livekit.VideoQuality_HIGH, Width: uint32(v.Width), Height: uint32(v.Height)}))
	if err != nil {
		return nil, err
	}
	low, err := s.newVideoTrack(1, kf, lksdk.WithSimulcast(id, &livekit.VideoLayer{
		Quality: livekit.VideoQuality_LOW, Width: uint32(lw), Height: uint32(lh)}))
	if err != nil {
		return nil, err
	}
	return []*lksdk.LocalTrack{full, low}, nil
}

// lowScale is how much the small simulcast layer divides the camera's
// size: about 320 pixels wide, enough for a tile in a strip or a crowded grid.
func lowScale(width int) int { return max(2, width/320) }

func lowLayer(w, h int) (int, int) { return video.ScaledSize(w, h, lowScale(w)) }

// newVideoTrack makes one VP8 layer whose PLI and FIR ask that layer of
// the current sender for a keyframe.
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
	s.mu.Lock()
	v, scr := s.opts.Video, s.opts.Screen
	s.mu.Unlock()
	switch src {
	case app.SourceMicrophone:
		return &lksdk.TrackPublicationOptions{Name: "microphone", Source: livekit.TrackSource_MICROPHONE}
	case app.SourceScreen:
		return &lksdk.TrackPublicationOptions{Name: "screen", Source: livekit.TrackSource_SCREEN_SHARE,
			VideoWidth: scr.MaxWidth, VideoHeight: scr.MaxHeight}
	}
	return &lksdk.TrackPublicationOptions{Name: "camera", Source: livekit.TrackSource_CAMERA,
		VideoWidth: v.Width, VideoHeight: v.Height}
}

func (s *session) unpublish(pub *lksdk.LocalTrackPublication) {
	if err := s.room.LocalParticipant.UnpublishTrack(pub.SID()); err != nil {
		s.opts.Log.Debug("unpublish", "err", err)
	}
}

// useDevices restarts what is on with other devices, on the same tracks.
func (s *session) useDevices(cameraID, microphoneID string) error {
	s.mu.Lock()
	camChanged := cameraID != s.opts.CameraID
	micChanged := microphoneID != s.opts.MicrophoneID
	s.opts.CameraID, s.opts.MicrophoneID = cameraID, microphoneID
	s.mu.Unlock()
	var errs []error
	if camChanged {
		errs = append(errs, s.restartSource(app.SourceCamera))
	}
	if micChanged {
		errs = append(errs, s.restartSource(app.SourceMicrophone))
	}
	return errors.Join(errs...)
}

// stopPublishing ends every sender, releasing the devices.
func (s *session) stopPublishing() {
	s.mu.Lock()
	pubs := s.pubs
	s.pubs = [sourceCount]*published{}
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
