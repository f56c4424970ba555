package jitter

import (
	"slices"
	"time"
)

// PlayoutConfig tunes Playout. Zero fields take the defaults.
type PlayoutConfig struct {
	// Window is how many recent frames the base transit and the jitter
	// percentile cover (default 150: 5 s at 30 fps).
	Window int
	// MaxDelay caps the added delay (default 150 ms): beyond it a freeze
	// is better than lag in a conversation.
	MaxDelay time.Duration
	// MinJitter is jitter too small to delay for (default 4 ms, a quarter
	// of a 60 Hz refresh): below it the added delay is exactly zero.
	MinJitter time.Duration
	// Tolerance is jitter left unsmoothed (default 0): the delay added is
	// the measured jitter minus this. In a conversation a frame shown a
	// little early or late costs less than lag on every frame.
	Tolerance time.Duration
}

// Playout paces frames so network jitter does not show as stutter.
//
// transit = ready − ts/90 kHz (both from a common origin). Its minimum
// over the window is the fastest the network delivered (base); transit −
// base is each frame's jitter. The added delay is the p95 jitter, rising
// at once (a late frame is a visible stall) and decaying slowly, capped,
// and zero when the jitter is below MinJitter. A frame is released at
// ts/90 kHz + base + delay, or at once if it is later than that: holding a
// late frame would only add lag.
type Playout struct {
	cfg      PlayoutConfig
	ts       tsUnwrapper
	started  bool
	origin   time.Time
	originTS int64
	transit  []time.Duration // ring of the last Window transits
	scratch  []time.Duration
	n, pos   int
	base     time.Duration
	delay    time.Duration
}

// A transit change beyond this is a timestamp discontinuity (a new
// sender or a switch), not jitter: start over.
const playoutRestart = 2 * time.Second

// NewPlayout returns a pacer with no history: its first frame goes at once.
func NewPlayout(cfg PlayoutConfig) *Playout {
	if cfg.Window <= 0 {
		cfg.Window = 150
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 150 * time.Millisecond
	}
	if cfg.MinJitter <= 0 {
		cfg.MinJitter = 4 * time.Millisecond
	}
	return &Playout{
		cfg:     cfg,
		transit: make([]time.Duration, cfg.Window),
		scratch: make([]time.Duration, cfg.Window),
	}
}

// Release takes a frame's RTP timestamp and the time it became ready to
// decode (the time Pop returned it; its Complete time unless it waited
// behind a missing frame) and returns when to show it.
func (p *Playout) Release(ts uint32, ready time.Time) time.Time {
	if !p.started {
		p.start(ts, ready)
	}
	media := p.mediaTime(ts)
	transit := ready.Sub(p.origin) - media
	if d := transit - p.base; d > playoutRestart || d < -playoutRestart {
		p.start(ts, ready)
		media, transit = 0, 0
	}
	p.add(transit)
	p.update()
	at := p.origin.Add(media + p.base + p.Delay())
	if at.Before(ready) {
		return ready
	}
	return at
}

// Delay is the delay currently added to the fastest delivery.
func (p *Playout) Delay() time.Duration {
	d := p.delay - p.cfg.Tolerance
	if d < p.cfg.MinJitter {
		return 0
	}
	return d
}

// Reset forgets the history, e.g. after the stream restarted.
func (p *Playout) Reset() {
	p.started, p.n, p.pos, p.base, p.delay = false, 0, 0, 0, 0
	p.ts = tsUnwrapper{}
}

func (p *Playout) start(ts uint32, ready time.Time) {
	p.Reset()
	p.started, p.origin = true, ready
	p.originTS = p.ts.unwrap(ts)
}

// mediaTime converts ts to time since the origin frame without overflow.
func (p *Playout) mediaTime(ts uint32) time.Duration {
	d := p.ts.unwrap(ts) - p.originTS
	return time.Duration(d/90000)*time.Second + time.Duration(d%90000)*time.Second/90000
}

func (p *Playout) add(t time.Duration) {
	p.transit[p.pos] = t
	p.pos = (p.pos + 1) % len(p.transit)
	p.n = min(p.n+1, len(p.transit))
}

// update recomputes base and the smoothed delay from the window.
func (p *Playout) update() {
	s := p.scratch[:p.n]
	copy(s, p.transit[:p.n])
	slices.Sort(s)
	p.base = s[0]
	target := min(s[(p.n-1)*95/100]-p.base, p.cfg.MaxDelay)
	if target < p.cfg.MinJitter {
		target = 0
	}
	if target >= p.delay {
		p.delay = target
		return
	}
	// About a second (at 30 fps) to come down: drop lag once the network
	// calms, without see-sawing on every quiet stretch.
	p.delay -= (p.delay-target)/32 + 1
}
