package livekit

import (
	"errors"
	"sync/atomic"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
	pionmedia "github.com/pion/webrtc/v4/pkg/media"

	"confer/app"
	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
	"confer/media/video"
)

type publishedVideo struct {
	sender *video.Sender
	pub    *lksdk.LocalTrackPublication
}

type publishedAudio struct {
	sender *audio.Sender
	pub    *lksdk.LocalTrackPublication
}

// setCamera starts or stops the camera. opMu keeps two toggles from
// interleaving; it is never taken by a callback.
func (s *session) setCamera(on bool) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if on && (s.isLost.Load() || s.closed.Load()) {
		return app.ErrNotJoined
	}
	s.mu.Lock()
	cur := s.cam
	if !on {
		s.cam = nil
	}
	s.mu.Unlock()
	if on == (cur != nil) {
		return nil
	}
	if !on {
		s.unpublish(cur.pub)
		cur.sender.Stop()
		return nil
	}
	pv, err := s.publishCamera()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.cam = pv
	s.mu.Unlock()
	return nil
}

func (s *session) publishCamera() (*publishedVideo, error) {
	s.mu.Lock()
	v, camID := s.opts.Video, s.opts.CameraID
	s.mu.Unlock()
	cam, err := capture.OpenCamera(camID, capture.VideoRequest{Width: v.Width, Height: v.Height, FPS: v.FPS})
	if err != nil {
		if errors.Is(err, capture.ErrNoCamera) {
			return nil, app.ErrNoCamera
		}
		return nil, err
	}
	var sender atomic.Pointer[video.Sender]
	askKeyframe := func() {
		if x := sender.Load(); x != nil {
			x.RequestKeyframe()
		}
	}
	track, err := lksdk.NewLocalTrack(
		webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		lksdk.WithRTCPHandler(func(p rtcp.Packet) {
			s.live.noteRx()
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				askKeyframe()
			}
		}))
	if err != nil {
		cam.Close()
		return nil, err
	}
	// Frames written before the track is bound are dropped by the SDK; the
	// first one after binding must be a keyframe.
	track.OnBind(askKeyframe)
	pub, err := s.room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "camera", Source: livekit.TrackSource_CAMERA,
		VideoWidth: v.Width, VideoHeight: v.Height,
	})
	if err != nil {
		cam.Close()
		return nil, err
	}
	snd := video.StartSender(cam, trackWriter{track}, video.SenderConfig{
		BitrateKbps: v.BitrateKbps, FPS: v.FPS, Preview: s.opts.Preview, Log: s.opts.Log,
	})
	sender.Store(snd)
	return &publishedVideo{sender: snd, pub: pub}, nil
}

// useDevices restarts what is on with other devices. The track is
// republished: others see it go and come back, never the person leave.
func (s *session) useDevices(cameraID, microphoneID string) error {
	s.mu.Lock()
	camOn, micOn := s.cam != nil, s.mic != nil
	camChanged := cameraID != s.opts.CameraID
	micChanged := microphoneID != s.opts.MicrophoneID
	s.opts.CameraID, s.opts.MicrophoneID = cameraID, microphoneID
	s.mu.Unlock()
	var errs []error
	if camOn && camChanged {
		_ = s.setCamera(false)
		errs = append(errs, s.setCamera(true))
	}
	if micOn && micChanged {
		_ = s.setMicrophone(false)
		errs = append(errs, s.setMicrophone(true))
	}
	return errors.Join(errs...)
}

// setMicrophone starts or stops the microphone.
func (s *session) setMicrophone(on bool) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if on && (s.isLost.Load() || s.closed.Load()) {
		return app.ErrNotJoined
	}
	s.mu.Lock()
	cur := s.mic
	if !on {
		s.mic = nil
	}
	s.mu.Unlock()
	if on == (cur != nil) {
		return nil
	}
	if !on {
		s.unpublish(cur.pub)
		cur.sender.Stop()
		return nil
	}
	pa, err := s.publishMicrophone()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.mic = pa
	s.mu.Unlock()
	return nil
}

func (s *session) publishMicrophone() (*publishedAudio, error) {
	s.mu.Lock()
	micID := s.opts.MicrophoneID
	s.mu.Unlock()
	mic, err := capture.OpenMicrophone(micID)
	if err != nil {
		if errors.Is(err, capture.ErrNoMicrophone) {
			return nil, app.ErrNoMicrophone
		}
		return nil, err
	}
	track, err := lksdk.NewLocalTrack(webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	}, lksdk.WithRTCPHandler(func(rtcp.Packet) { s.live.noteRx() }))
	if err != nil {
		mic.Close()
		return nil, err
	}
	pub, err := s.room.LocalParticipant.PublishTrack(track, &lksdk.TrackPublicationOptions{
		Name: "microphone", Source: livekit.TrackSource_MICROPHONE,
	})
	if err != nil {
		mic.Close()
		return nil, err
	}
	level := func(rms float64) {
		s.levels.local.addRMS(rms, media.FrameSamples)
		if s.opts.LocalLevel != nil {
			s.opts.LocalLevel(rms)
		}
	}
	snd, err := audio.StartSender(mic, trackWriter{track}, audio.SenderConfig{Level: level, Log: s.opts.Log})
	if err != nil {
		mic.Close()
		s.unpublish(pub)
		return nil, err
	}
	return &publishedAudio{sender: snd, pub: pub}, nil
}

func (s *session) unpublish(pub *lksdk.LocalTrackPublication) {
	if err := s.room.LocalParticipant.UnpublishTrack(pub.SID()); err != nil {
		s.opts.Log.Debug("unpublish", "err", err)
	}
}

// stopPublishing ends both senders, releasing the devices.
func (s *session) stopPublishing() {
	s.mu.Lock()
	cam, mic := s.cam, s.mic
	s.cam, s.mic = nil, nil
	s.mu.Unlock()
	if cam != nil {
		cam.sender.Stop()
	}
	if mic != nil {
		mic.sender.Stop()
	}
}

// trackWriter adapts an SDK track to media.SampleWriter.
type trackWriter struct{ t *lksdk.LocalTrack }

func (w trackWriter) WriteSample(s media.Sample) error {
	return w.t.WriteSample(pionmedia.Sample{Data: s.Data, Duration: s.Duration, Timestamp: s.Timestamp}, nil)
}
