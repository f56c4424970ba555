package ui

import (
	"log/slog"
	"testing"
	"time"
)

// A loop that does not end once asked to: the watch leaves the call and
// exits. One that ends: the watch does nothing.
func TestLoopWatchEndsAProgramWhoseLoopHangs(t *testing.T) {
	finished := make(chan struct{})
	exited := make(chan int, 1)
	const grace = 50 * time.Millisecond
	w := newLoopWatch(grace, func() { close(finished) }, func(code int) { exited <- code }, slog.New(slog.DiscardHandler))
	w.arm()
	w.arm() // a second request to end changes nothing
	select {
	case code := <-exited:
		select {
		case <-finished:
		default:
			t.Fatal("exited before leaving the call")
		}
		if code != 0 {
			t.Fatalf("exit code %d, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch never ended a hung loop")
	}

	ended := make(chan struct{})
	w = newLoopWatch(grace, func() { close(ended) }, func(int) { t.Error("exited though the loop ended") }, slog.New(slog.DiscardHandler))
	w.arm()
	w.loopEnded()
	select {
	case <-ended:
		t.Fatal("the watch left the call though the loop ended")
	case <-time.After(20 * grace): // what a hang would wait, and more
	}
}
