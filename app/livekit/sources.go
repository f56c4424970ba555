package livekit

import (
	"errors"
	"sync/atomic"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
	"confer/media/video"
)

// sourceCount sizes the per-source arrays: app.Source values index them.
const sourceCount = int(app.SourceScreenAudio) + 1

// start opens src's device with the current options and starts a sender
// writing to track. kf is pointed at the new video sender.
func (s *session) start(src app.Source, tracks []*lksdk.LocalTrack, kf *atomic.Pointer[func(int)]) (*published, error) {
	switch src {
	case app.SourceMicrophone:
		return s.startMicrophone(tracks)
	case app.SourceCamera, app.SourceScreen:
		return s.startVideo(src, tracks, kf)
	}
	return nil, errors.ErrUnsupported
}

func (s *session) startVideo(src app.Source, tracks []*lksdk.LocalTrack, kf *atomic.Pointer[func(int)]) (*published, error) {
	frames, cfg, err := s.openVideo(src)
	if err != nil {
		return nil, err
	}
	if len(tracks) > 1 {
		s.mu.Lock()
		w := s.opts.Video.Width
		s.mu.Unlock()
		// The small layer gets a bitrate in proportion to its pixels,
		// with a floor that keeps a face recognisable.
		sc := lowScale(w)
		cfg.Layers = []video.Layer{{Scale: sc, BitrateKbps: max(120, cfg.BitrateKbps/(sc*sc)*2), Out: trackWriter{tracks[1]}}}
	}
	snd := video.StartSender(frames, trackWriter{tracks[0]}, cfg)
	ask := snd.RequestLayerKeyframe
	kf.Store(&ask)
	// A restarted sender starts with keyframes by itself (new encoders);
	// the receivers' decoders need nothing else.
	return &published{tracks: tracks, keyframe: kf, stop: snd.Stop, done: snd.Done()}, nil
}

// openVideo opens the camera or the screen and says how to encode it.
func (s *session) openVideo(src app.Source) (video.FrameSource, video.SenderConfig, error) {
	s.mu.Lock()
	o := s.opts
	s.mu.Unlock()
	if src == app.SourceScreen {
		scr, err := capture.OpenScreen(o.ScreenID, capture.ScreenRequest{
			MaxWidth: o.Screen.MaxWidth, MaxHeight: o.Screen.MaxHeight, FPS: o.Screen.FPS,
		})
		if errors.Is(err, capture.ErrNoScreen) {
			err = app.ErrNoScreen
		}
		cfg := video.SenderConfig{BitrateKbps: o.Screen.BitrateKbps, FPS: o.Screen.FPS, Screen: true, Log: o.Log}
		return scr, cfg, err
	}
	v := o.Video
	cam, err := capture.OpenCamera(o.CameraID, capture.VideoRequest{Width: v.Width, Height: v.Height, FPS: v.FPS})
	if errors.Is(err, capture.ErrNoCamera) {
		err = app.ErrNoCamera
	}
	cfg := video.SenderConfig{BitrateKbps: v.BitrateKbps, FPS: v.FPS, Preview: o.Preview, Log: o.Log}
	return cam, cfg, err
}

func (s *session) startMicrophone(tracks []*lksdk.LocalTrack) (*published, error) {
	s.mu.Lock()
	o := s.opts
	s.mu.Unlock()
	mic, err := capture.OpenMicrophone(o.MicrophoneID)
	if err != nil {
		if errors.Is(err, capture.ErrNoMicrophone) {
			return nil, app.ErrNoMicrophone
		}
		return nil, err
	}
	level := func(rms float64) {
		s.levels.local.addRMS(rms, media.FrameSamples)
		if o.LocalLevel != nil {
			o.LocalLevel(rms)
		}
	}
	snd, err := audio.StartSender(mic, trackWriter{tracks[0]}, audio.SenderConfig{
		Music: o.Audio == app.AudioMusic, Level: level, Log: o.Log,
	})
	if err != nil {
		mic.Close()
		return nil, err
	}
	return &published{tracks: tracks, stop: snd.Stop, done: snd.Done()}, nil
}
