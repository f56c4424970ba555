package livekit

import (
	"errors"
	"sync/atomic"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
	"confer/media"
	"confer/media/pipeline"
)

// start starts src's pipeline with the current settings, writing to
// tracks. kf is pointed at a new video pipeline's keyframe requests, loss
// at a new microphone's expected loss.
func (s *session) start(src app.Source, tracks []*lksdk.LocalTrack, kf, loss *atomic.Pointer[func(int)]) (*published, error) {
	cfg := s.t.config()
	writers := make([]media.SampleWriter, len(tracks))
	for i, t := range tracks {
		writers[i] = s.sealed(t) // encrypts when the call does (e2ee.go)
		if len(tracks) > 1 {
			writers[i] = &layerWriter{SampleWriter: writers[i], track: t, s: s} // goodbye.go
		}
	}
	switch src {
	case app.SourceMicrophone:
		snd, err := pipeline.StartMicrophone(s.micConfig(cfg), writers[0])
		if err != nil {
			return nil, err
		}
		setLoss := func(pct int) {
			if pct >= 0 {
				snd.SetExpectedLoss(pct)
			}
		}
		loss.Store(&setLoss)
		return &published{tracks: tracks, stop: snd.Stop, done: snd.Done(), mic: snd, loss: loss}, nil
	case app.SourceCamera, app.SourceScreen:
		snd, err := s.startVideo(src, cfg, writers)
		if err != nil {
			return nil, err
		}
		ask := snd.RequestLayerKeyframe
		kf.Store(&ask)
		// A restarted pipeline starts with keyframes by itself (new
		// encoders); the receivers' decoders need nothing else.
		return &published{tracks: tracks, keyframe: kf, stop: snd.Stop, done: snd.Done(),
			setRate: snd.SetTargetBitrate, nominal: nominalKbps(src, cfg, len(tracks))}, nil
	}
	return nil, errors.ErrUnsupported
}

func (s *session) startVideo(src app.Source, cfg app.TransportConfig, writers []media.SampleWriter) (pipeline.VideoSender, error) {
	if src == app.SourceScreen {
		return pipeline.StartScreen(pipeline.ScreenConfig{ScreenID: cfg.ScreenID, Profile: cfg.Screen, Log: cfg.Log}, writers[0])
	}
	return pipeline.StartCamera(pipeline.CameraConfig{
		DeviceID: cfg.CameraID, Profile: cfg.Video, Preview: cfg.Preview, Log: cfg.Log,
	}, writers)
}

// micConfig is the microphone pipeline the settings ask for.
func (s *session) micConfig(cfg app.TransportConfig) pipeline.MicrophoneConfig {
	return pipeline.MicrophoneConfig{
		DeviceID:   cfg.MicrophoneID,
		Music:      cfg.Audio == app.AudioMusic,
		Processing: cfg.Processing,
		Playback:   cfg.Playback,
		Room:       cfg.RoomEcho,
		Level:      s.localLevel(cfg.LocalLevel),
		Voice:      func(speaking bool) { s.emit(app.LocalVoice{Speaking: speaking}) },
		Monitor:    cfg.LocalAudio,
		Log:        cfg.Log,
	}
}

// localLevel feeds the session's level reports and the owner's meter.
func (s *session) localLevel(owner func(float64)) func(float64) {
	return func(rms float64) {
		s.levels.local.addRMS(rms, media.FrameSamples)
		if owner != nil {
			owner(rms)
		}
	}
}

// nominalKbps is what a video source sends with an unconstrained uplink.
func nominalKbps(src app.Source, cfg app.TransportConfig, layers int) int {
	if src == app.SourceScreen {
		return cfg.Screen.BitrateKbps
	}
	total := 0
	all := pipeline.CameraLayers(cfg.Video)
	for _, l := range all[:min(layers, len(all))] {
		total += l.BitrateKbps
	}
	return total
}
