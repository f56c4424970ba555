package pipeline

import (
	"sync"
	"time"

	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
)

// Preview is the lobby's look at the camera and microphone. The devices
// are open only while it runs, and released before joining: a camera is
// opened by one user at a time, and the call opens it again.
type Preview struct {
	wg  sync.WaitGroup
	cam *capture.Camera
	mic *capture.Microphone
}

// PreviewConfig says what to open and where its output goes.
type PreviewConfig struct {
	CameraID, MicrophoneID string
	Camera, Microphone     bool // which to open
	// Processing cleans the microphone as the call will, so the meter
	// shows what others would hear (no echo to cancel: nothing plays).
	Processing media.AudioProcessing
	Video      media.FrameSink
	// Level gets the microphone's level five times a second: enough for a
	// meter.
	Level func(rms float64)
}

// previewSize is what the lobby shows: small, cheap, any camera has it.
var previewSize = capture.VideoRequest{Width: 640, Height: 480, FPS: 30}

// StartPreview opens what is switched on. Failures are returned so the
// lobby can say "no camera"; the rest still runs.
func StartPreview(cfg PreviewConfig) (p *Preview, camErr, micErr error) {
	p = &Preview{}
	if cfg.Camera {
		if p.cam, camErr = capture.OpenCamera(cfg.CameraID, previewSize); camErr == nil {
			p.wg.Add(1)
			go p.runCamera(cfg.Video)
		}
	}
	if cfg.Microphone {
		if p.mic, micErr = capture.OpenMicrophone(cfg.MicrophoneID); micErr == nil {
			proc, err := audio.NewProcessing(cfg.Processing, nil)
			if err != nil {
				proc = nil // the meter shows the raw signal
			}
			p.wg.Add(1)
			go p.runMic(cfg.Level, proc)
		}
	}
	return p, camErr, micErr
}

func (p *Preview) runCamera(sink media.FrameSink) {
	defer p.wg.Done()
	for {
		f, release, err := p.cam.Read()
		if err != nil {
			return
		}
		sink.WriteFrame(f)
		release()
	}
}

func (p *Preview) runMic(level func(float64), proc *audio.Processing) {
	defer p.wg.Done()
	if proc != nil {
		defer proc.Close()
	}
	pcm := make([]int16, media.FrameSamples)
	peak, frames := 0.0, 0
	const every = 200 * time.Millisecond / media.FrameTime
	for p.mic.ReadFrame(pcm) == nil {
		if proc != nil {
			_ = proc.Process(pcm, time.Now())
		}
		peak = max(peak, media.RMS(pcm))
		if frames++; frames == int(every) {
			level(peak)
			peak, frames = 0, 0
		}
	}
}

// Stop releases the devices and waits for the goroutines. A nil Preview
// is already stopped.
func (p *Preview) Stop() {
	if p == nil {
		return
	}
	if p.cam != nil {
		p.cam.Close()
	}
	if p.mic != nil {
		p.mic.Close()
	}
	p.wg.Wait()
}
