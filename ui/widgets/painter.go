package widgets

import (
	"sync"
	"time"
)

// Painter paces the video tiles' refreshes. Each refresh makes Fyne repaint
// the whole window, and without a GPU a repaint is the most expensive thing
// a call does (Mesa's llvmpipe: some 15 ms of a core for a 1024×700
// window). Unpaced, two 30 fps videos whose frames interleave repaint 60
// times a second; paced, the window repaints at most once per interval with
// every tile's newest picture, however many videos play.
type Painter struct {
	run      func(func()) // to the UI goroutine: the bridge
	interval time.Duration

	mu      sync.Mutex
	fns     []func()
	spare   []func()
	pending bool
	last    time.Time
}

// NewPainter paces refreshes handed to Schedule to one batch per interval,
// each batch run on the UI goroutine through run.
func NewPainter(run func(func()), interval time.Duration) *Painter {
	return &Painter{run: run, interval: interval}
}

// Schedule runs fn on the UI goroutine with the next batch (any goroutine).
// A tile schedules at most one refresh at a time, so batches stay small.
func (p *Painter) Schedule(fn func()) {
	p.mu.Lock()
	p.fns = append(p.fns, fn)
	if p.pending {
		p.mu.Unlock()
		return
	}
	p.pending = true
	wait := p.interval - time.Since(p.last)
	p.mu.Unlock()
	if wait <= 0 {
		p.run(p.paint)
		return
	}
	time.AfterFunc(wait, func() { p.run(p.paint) })
}

// paint runs the batch (UI goroutine).
func (p *Painter) paint() {
	p.mu.Lock()
	fns := p.fns
	p.fns, p.spare = p.spare[:0], fns
	p.pending = false
	p.last = time.Now()
	p.mu.Unlock()
	for i, fn := range fns {
		fn()
		fns[i] = nil
	}
}
