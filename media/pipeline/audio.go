package pipeline

import (
	"log/slog"

	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
)

// AudioSender is a running microphone pipeline.
type AudioSender interface {
	// SetMuted stops or resumes sending; capture, processing and voice
	// detection go on while muted.
	SetMuted(muted bool)
	// SetExpectedLoss sets the packet loss (percent) the encoder protects
	// against with in-band FEC, as receivers report it.
	SetExpectedLoss(pct int)
	// SetProcessing switches echo cancellation, noise suppression and gain
	// while running.
	SetProcessing(p media.AudioProcessing) error
	// Stop releases the device and waits for the pipeline to end.
	Stop()
	// Done is closed when the pipeline ended, by Stop or by itself.
	Done() <-chan struct{}
}

// MicrophoneConfig says which microphone, how to clean it up and how to
// code it.
type MicrophoneConfig struct {
	DeviceID string // "" for the preferred microphone
	// Music codes for fidelity rather than speech.
	Music      bool
	Processing media.AudioProcessing
	// Playback, when set, taps what the speaker plays: the echo
	// canceller's reference (and a simulated room's sound).
	Playback func() media.PlaybackTap
	// Room, when set, adds a simulated room's echo to the microphone,
	// before processing, as a real room would (bots measure with it).
	Room *media.RoomEcho
	// Level gets each processed frame's RMS level (0–1).
	Level func(rms float64)
	// Voice hears when the person starts and stops speaking.
	Voice func(speaking bool)
	// Monitor gets every processed frame.
	Monitor media.PCMSink
	Log     *slog.Logger
}

// StartMicrophone opens a microphone and runs capture → (room) →
// processing → level and voice → Opus → out.
func StartMicrophone(cfg MicrophoneConfig, out media.SampleWriter) (AudioSender, error) {
	mic, err := capture.OpenMicrophone(cfg.DeviceID)
	if err != nil {
		return nil, err
	}
	stages, proc, err := micStages(cfg)
	if err != nil {
		mic.Close()
		return nil, err
	}
	snd, err := audio.StartSender(mic, out, audio.SenderConfig{
		Music: cfg.Music, Stages: stages, Level: cfg.Level, Voice: cfg.Voice, Monitor: cfg.Monitor, Log: cfg.Log,
	})
	if err != nil {
		for _, s := range stages {
			s.Close()
		}
		mic.Close()
		return nil, err
	}
	return micSender{snd, proc}, nil
}

// micStages builds what cleans the microphone up, in order.
func micStages(cfg MicrophoneConfig) ([]audio.Stage, *audio.Processing, error) {
	var stages []audio.Stage
	if cfg.Room != nil && cfg.Playback != nil {
		stages = append(stages, audio.NewRoom(*cfg.Room, cfg.Playback()))
	}
	var far media.PlaybackTap
	if cfg.Playback != nil {
		far = cfg.Playback()
	}
	proc, err := audio.NewProcessing(cfg.Processing, far)
	if err != nil {
		if far != nil {
			far.Close()
		}
		for _, s := range stages {
			s.Close()
		}
		return nil, nil, err
	}
	return append(stages, proc), proc, nil
}

type micSender struct {
	*audio.Sender
	proc *audio.Processing
}

func (m micSender) SetProcessing(p media.AudioProcessing) error { return m.proc.Set(p) }
