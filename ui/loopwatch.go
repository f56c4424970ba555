package ui

import (
	"log/slog"
	"sync"
	"time"
)

// loopExitGrace is how long the event loop may take to end once asked.
// It ends in milliseconds; a loaded machine takes well under a second.
const loopExitGrace = 5 * time.Second

// loopWatch ends the program when Fyne's event loop, asked to end, does not
// return. Fyne 2.7.1 runs its lifecycle's stopped hook (which saves the
// preferences) through the main goroutine's queue while that goroutine is
// draining the queue to stop: a hook queued just after the drain is never
// run, and ShowAndRun then waits for it for ever (seen once in 40 windows
// ended by SIGTERM: the window stayed in the call). When that happens the
// watch does what the main goroutine would have done after the loop
// (finish: leave the call) and exits.
type loopWatch struct {
	loopDone chan struct{} // closed by Run once ShowAndRun returns
	grace    time.Duration // loopExitGrace
	finish   func()        // afterLoop, once
	exit     func(code int)
	log      *slog.Logger
	armOnce  sync.Once
}

func newLoopWatch(grace time.Duration, finish func(), exit func(int), log *slog.Logger) *loopWatch {
	return &loopWatch{loopDone: make(chan struct{}), grace: grace, finish: finish, exit: exit, log: log}
}

// arm starts the watch: the loop has been asked to end. Any goroutine;
// only the first call counts.
func (w *loopWatch) arm() {
	w.armOnce.Do(func() { go w.watch() })
}

func (w *loopWatch) watch() {
	select {
	case <-w.loopDone:
	case <-time.After(w.grace):
		w.log.Warn("the window's event loop did not end; leaving the call without it")
		w.finish()
		w.exit(0)
	}
}

// loopEnded tells the watch that ShowAndRun has returned.
func (w *loopWatch) loopEnded() { close(w.loopDone) }
