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
func (s *session) start(src app.Source, track *lksdk.LocalTrack, kf *atomic.Pointer[func()]) (*published, error) {
	switch src {
	case app.SourceMicrophone:
		return s.startMicrophone(track)
	case app.SourceCamera, app.SourceScreen:
		return s.startVideo(src, track, kf)
	}
	return nil, errors.ErrUnsupported
}

func (s *session) startVideo(src app.Source, track *lksdk.LocalTrack, kf *atomic.Pointer[func()]) (*published, error) {
	frames, cfg, err := s.openVideo(src)
	if err != nil {
		return nil, err
	}
	snd := video.StartSender(frames, trackWriter{track}, cfg)
	ask := snd.RequestKeyframe
	kf.Store(&ask)
	// A restarted sender starts with a keyframe by itself (a new encoder);
	// the receivers' decoders need nothing else.
	return &published{track: track, keyframe: kf, stop: snd.Stop, done: snd.Done()}, nil
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

func (s *session) startMicrophone(track *lksdk.LocalTrack) (*published, error) {
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
	snd, err := audio.StartSender(mic, trackWriter{track}, audio.SenderConfig{
		Music: o.Audio == app.AudioMusic, Level: level, Log: o.Log,
	})
	if err != nil {
		mic.Close()
		return nil, err
	}
	return &published{track: track, stop: snd.Stop, done: snd.Done()}, nil
}
