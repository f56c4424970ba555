package widgets

import (
	"image"
	"slices"
	"time"

	"confer/media/synth"
)

// latencySamples is how many recent frames the percentiles cover: 10 s at
// 30 fps.
const latencySamples = 300

// latencies keeps the capture → shown delay of recent frames (UI goroutine).
type latencies struct {
	ring [latencySamples]time.Duration
	n    int
}

// note reads the time strip of a picture about to be painted.
func (l *latencies) note(pic *image.RGBA, now time.Time) {
	at, ok := synth.ReadTimeRGBA(pic.Pix, pic.Stride, pic.Rect.Dx(), pic.Rect.Dy(), now)
	if !ok {
		return
	}
	l.ring[l.n%latencySamples] = now.Sub(at)
	l.n++
}

func (l *latencies) percentiles() (p50, p95 time.Duration) {
	n := min(l.n, latencySamples)
	if n == 0 {
		return 0, 0
	}
	s := slices.Clone(l.ring[:n])
	slices.Sort(s)
	return s[(n-1)/2], s[(n-1)*95/100]
}
