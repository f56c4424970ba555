package widgets

import (
	"image"
	"slices"
	"sync"
	"time"

	"confer/media"
	"confer/media/synth"
)

// latencySamples is how many recent frames the percentiles cover: 10 s at
// 30 fps.
const latencySamples = 300

// latencies keeps the capture → shown delay of recent frames: the UI
// goroutine notes what Fyne paints, the decoder's goroutine what goes to a
// surface.
type latencies struct {
	mu   sync.Mutex
	ring [latencySamples]time.Duration
	n    int
}

// notePicture reads the time strip of a picture about to be painted.
func (l *latencies) notePicture(pic *image.RGBA, now time.Time) {
	if at, ok := synth.ReadTimeRGBA(pic.Pix, pic.Stride, pic.Rect.Dx(), pic.Rect.Dy(), now); ok {
		l.add(now.Sub(at))
	}
}

// noteFrame reads the time strip of a frame a surface has just shown.
func (l *latencies) noteFrame(f *media.VideoFrame, now time.Time) {
	if at, ok := synth.ReadTimeNear(f, now); ok {
		l.add(now.Sub(at))
	}
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ring[l.n%latencySamples] = d
	l.n++
}

func (l *latencies) percentiles() (p50, p95 time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(l.n, latencySamples)
	if n == 0 {
		return 0, 0
	}
	s := slices.Clone(l.ring[:n])
	slices.Sort(s)
	return s[(n-1)/2], s[(n-1)*95/100]
}
