// Package ui is Confer's window: the lobby, the call, and the one bridge
// through which background work reaches the widgets.
package ui

import (
	"sync/atomic"

	"fyne.io/fyne/v2"
)

// bridge is the only place that calls fyne.Do. Background goroutines (the
// call's events, frame mailboxes) hand it functions; it runs them on the UI
// goroutine. Widgets are never touched anywhere else from another goroutine.
type bridge struct {
	run    func(func()) // fyne.Do; tests give their own UI goroutine
	closed atomic.Bool
}

func newBridge() *bridge { return &bridge{run: fyne.Do} }

// do runs fn on the UI goroutine, asynchronously. After close it drops fn:
// the window is gone.
func (b *bridge) do(fn func()) {
	if b.closed.Load() {
		return
	}
	b.run(fn)
}

// close stops delivering.
func (b *bridge) close() { b.closed.Store(true) }
