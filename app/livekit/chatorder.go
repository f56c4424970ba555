package livekit

import (
	"slices"
	"sync"
	"time"

	"confer/app"
)

// chatOrder gives back each sender's chat messages in the order they were
// sent. The SDK reads every text stream on a goroutine of its own, so a
// long message finished a moment before a short one that followed it may
// reach the call after it. Each stream takes its place when its handler
// begins, by the sender's timestamp (then by arrival), and a finished
// message waits for the unfinished ones before it, unless they began
// abandonAfter ago (a sender gone mid-stream never finishes one).
type chatOrder struct {
	mu      sync.Mutex
	seq     uint64
	pending map[string][]*inbound // by sender, in order
}

// abandonAfter is how long an unfinished stream holds the sender's later
// messages back.
const abandonAfter = 10 * time.Second

type inbound struct {
	seq   uint64
	ts    int64 // the sender's timestamp, ms
	began time.Time
	msg   *app.ChatArrived // set when the stream is read
}

// begin takes a place for a stream from sender, sent at ts.
func (o *chatOrder) begin(sender string, ts int64) *inbound {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending == nil {
		o.pending = map[string][]*inbound{}
	}
	o.seq++
	in := &inbound{seq: o.seq, ts: ts, began: time.Now()}
	list := append(o.pending[sender], in)
	slices.SortStableFunc(list, func(a, b *inbound) int {
		if a.ts != b.ts {
			return int(a.ts - b.ts)
		}
		return int(a.seq - b.seq)
	})
	o.pending[sender] = list
	return in
}

// done records a stream read and returns the sender's messages that may
// go to the call now, in order.
func (o *chatOrder) done(sender string, in *inbound, msg app.ChatArrived) []app.ChatArrived {
	o.mu.Lock()
	defer o.mu.Unlock()
	in.msg = &msg
	list := o.pending[sender]
	var out []app.ChatArrived
	for len(list) > 0 {
		head := list[0]
		if head.msg == nil && time.Since(head.began) < abandonAfter {
			break
		}
		if head.msg != nil {
			out = append(out, *head.msg)
		}
		list = list[1:]
	}
	if len(list) == 0 {
		delete(o.pending, sender)
	} else {
		o.pending[sender] = list
	}
	return out
}
