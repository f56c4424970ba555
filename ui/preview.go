package ui

import (
	"sync"
	"time"

	"confer/media"
	"confer/media/capture"
	"confer/media/synth"
)

// preview runs the lobby's camera preview and microphone meter. The devices
// are opened only while the lobby shows, and released before joining (a
// camera is opened by one user at a time: the call opens it again).
type preview struct {
	wg  sync.WaitGroup
	cam *capture.Camera
	mic *capture.Microphone
}

// startPreview opens what is switched on. Failures are returned so the lobby
// can say "no camera"; the rest still runs.
func startPreview(camID, micID string, cam, mic bool, video media.FrameSink, level func(float64)) (*preview, error, error) {
	p := &preview{}
	var camErr, micErr error
	if cam {
		if p.cam, camErr = capture.OpenCamera(camID, capture.VideoRequest{Width: 640, Height: 480, FPS: 30}); camErr == nil {
			p.wg.Add(1)
			go p.runCamera(video)
		}
	}
	if mic {
		if p.mic, micErr = capture.OpenMicrophone(micID); micErr == nil {
			p.wg.Add(1)
			go p.runMic(level)
		}
	}
	return p, camErr, micErr
}

func (p *preview) runCamera(sink media.FrameSink) {
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

// runMic reports the level five times a second: enough for a meter.
func (p *preview) runMic(level func(float64)) {
	defer p.wg.Done()
	pcm := make([]int16, media.FrameSamples)
	peak, last := 0.0, time.Now()
	for p.mic.ReadFrame(pcm) == nil {
		peak = max(peak, synth.RMS(pcm))
		if time.Since(last) >= 200*time.Millisecond {
			level(peak)
			peak, last = 0, time.Now()
		}
	}
}

// stop releases the devices and waits for the goroutines.
func (p *preview) stop() {
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
