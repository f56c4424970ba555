package bot

import (
	"sync"
	"time"

	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
	"confer/media/synth"
)

// AudioLatency is the delay from a click's capture (the synthetic
// microphone clicks on every wall-clock second) to the moment the playback
// device took the click's first sample from the mixer. It is read from the
// mix, so with several remote microphones each second's earliest click
// counts.
type AudioLatency struct {
	Percentiles
	Clicks int `json:"clicks"` // how many clicks the delays come from
}

// drainEvery is how often the tap is read: well inside the tap's ring.
const drainEvery = 50 * time.Millisecond

// playbackLatency finds the clicks in what the device pulls, away from the
// device callback: the callback only copies into a tap.
type playbackLatency struct {
	mixer  *audio.Mixer
	tap    *audio.Tap
	det    *synth.ClickDetector
	delays []float64 // ms
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// watchPlayback taps m until result is called.
func watchPlayback(m *audio.Mixer) *playbackLatency {
	p := newPlaybackLatency(audio.NewTap(), capture.FakeTone.ClickEvery)
	p.mixer = m
	m.AddTap(p.tap)
	go p.run()
	return p
}

func newPlaybackLatency(tap *audio.Tap, every time.Duration) *playbackLatency {
	return &playbackLatency{
		tap:  tap,
		det:  synth.NewClickDetector(media.SampleRate, every),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
}

func (p *playbackLatency) run() {
	defer close(p.done)
	tick := time.NewTicker(drainEvery)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			p.tap.Drain(p.feed)
			return
		case <-tick.C:
			p.tap.Drain(p.feed)
		}
	}
}

func (p *playbackLatency) feed(pcm []int16, at time.Time) {
	for _, d := range p.det.Feed(pcm, at) {
		if len(p.delays) < maxLatencySamples {
			p.delays = append(p.delays, float64(d.Microseconds())/1000)
		}
	}
}

// result stops watching and returns the delays found; nil when playback
// was not watched.
func (p *playbackLatency) result() *AudioLatency {
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		if p.mixer != nil {
			p.mixer.RemoveTap(p.tap)
		}
		close(p.stop)
	})
	<-p.done
	return p.summary()
}

func (p *playbackLatency) summary() *AudioLatency {
	return &AudioLatency{Percentiles: percentiles(p.delays), Clicks: len(p.delays)}
}
