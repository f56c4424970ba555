package audio

import (
	"time"

	"confer/media"
	"confer/media/apm"
)

// Stage works on each captured 20 ms frame in place, in capture order, on
// the sender's goroutine. The sender closes its stages when it stops.
type Stage interface {
	Process(pcm []int16, at time.Time) error
	Close()
}

// voiceDetector is a stage that tells whether the last frame was speech.
type voiceDetector interface{ Voice() bool }

// echoPathHint is the delay told to the echo canceller between the far
// end it is given and the microphone frame holding its echo. The far end
// is given as each captured 20 ms frame is processed, so a block waits up
// to a frame; then the output buffer (10–40 ms with PulseAudio or
// PipeWire), the room (a few ms on a laptop), the input buffer and the
// frame itself: 40–100 ms in all. The canceller's filter catches an echo
// from the hint to about 100 ms after it, and none before it, so the hint
// sits at the short end. Measured with the simulated room of 80 ms
// (media/pipeline's echo test): a 10 ms hint leaves the echo at -27 dB,
// 40 ms at -50 dB. Delay-agnostic mode also finds the real delay on its
// own after 15 s of capture.
const echoPathHint = 40 * time.Millisecond

// Processing cleans the microphone with the WebRTC audio processing
// module: echo cancellation against what the speaker really played (the
// mixer's output at the moment the device took it), noise suppression,
// automatic gain, a high-pass filter, and voice detection, which stays on
// whatever else is off, for the "you're muted" hint.
type Processing struct {
	apm   *apm.Processor
	far   media.PlaybackTap // nil: nothing plays here, nothing to cancel
	chunk []int16           // far-end samples waiting for a whole 10 ms
	voice bool
}

// NewProcessing starts the module with cfg; far may be nil.
func NewProcessing(cfg media.AudioProcessing, far media.PlaybackTap) (*Processing, error) {
	p := &Processing{far: far, chunk: make([]int16, 0, apm.ChunkSamples)}
	a, err := apm.New(p.apmConfig(cfg))
	if err != nil {
		return nil, err
	}
	p.apm = a
	a.SetStreamDelay(echoPathHint)
	return p, nil
}

func (p *Processing) apmConfig(cfg media.AudioProcessing) apm.Config {
	return apm.Config{
		EchoCancellation: cfg.EchoCancellation && p.far != nil,
		NoiseSuppression: cfg.NoiseSuppression,
		AutoGain:         cfg.AutoGain,
		HighPass:         cfg.Any(),
		VoiceDetection:   true,
	}
}

// Set switches what is on while running; the echo canceller keeps what it
// learnt unless it is itself switched off and on.
func (p *Processing) Set(cfg media.AudioProcessing) error { return p.apm.SetConfig(p.apmConfig(cfg)) }

// Process implements Stage: first the far end played since the last
// frame, then the frame.
func (p *Processing) Process(pcm []int16, _ time.Time) error {
	if p.far != nil {
		p.far.Drain(p.render)
	}
	voice, err := p.apm.ProcessCapture(pcm)
	p.voice = voice
	return err
}

// render gives the module the far end in whole 10 ms chunks.
func (p *Processing) render(pcm []int16, _ time.Time) {
	for len(pcm) > 0 {
		n := min(len(pcm), apm.ChunkSamples-len(p.chunk))
		p.chunk = append(p.chunk, pcm[:n]...)
		pcm = pcm[n:]
		if len(p.chunk) == apm.ChunkSamples {
			_ = p.apm.ProcessRender(p.chunk)
			p.chunk = p.chunk[:0]
		}
	}
}

// Voice tells whether the last frame was speech.
func (p *Processing) Voice() bool { return p.voice }

// Close implements Stage.
func (p *Processing) Close() {
	p.apm.Close()
	if p.far != nil {
		p.far.Close()
	}
}
