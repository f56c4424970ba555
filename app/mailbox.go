package app

import "sync"

// mailbox is an unbounded FIFO whose put never blocks, so library callbacks
// can post to the call loop without ever waiting on it.
type mailbox struct {
	wake chan struct{} // capacity 1: "there is something to take"

	mu    sync.Mutex
	items []any
}

func newMailbox() *mailbox {
	return &mailbox{wake: make(chan struct{}, 1)}
}

func (m *mailbox) put(x any) {
	m.mu.Lock()
	m.items = append(m.items, x)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// take returns everything queued, oldest first.
func (m *mailbox) take() []any {
	m.mu.Lock()
	items := m.items
	m.items = nil
	m.mu.Unlock()
	return items
}
