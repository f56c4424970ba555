package pipeline

import (
	"log/slog"

	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
)

// AudioSender is a running microphone pipeline.
type AudioSender interface {
	// Stop releases the device and waits for the pipeline to end.
	Stop()
	// Done is closed when the pipeline ended, by Stop or by itself.
	Done() <-chan struct{}
}

// MicrophoneConfig says which microphone and how to code it.
type MicrophoneConfig struct {
	DeviceID string // "" for the preferred microphone
	// Music codes for fidelity rather than speech.
	Music bool
	// Level, when set, gets each captured frame's RMS level (0–1).
	Level func(rms float64)
	Log   *slog.Logger
}

// StartMicrophone opens a microphone and encodes it into out.
func StartMicrophone(cfg MicrophoneConfig, out media.SampleWriter) (AudioSender, error) {
	mic, err := capture.OpenMicrophone(cfg.DeviceID)
	if err != nil {
		return nil, err
	}
	snd, err := audio.StartSender(mic, out, audio.SenderConfig{Music: cfg.Music, Level: cfg.Level, Log: cfg.Log})
	if err != nil {
		mic.Close()
		return nil, err
	}
	return snd, nil
}
