package video

import (
	"testing"
	"time"

	"confer/media"
	"confer/media/codec"
)

// A receiver that paces frames (as a real track, which has read
// deadlines, makes it) shows them after a jittery start no later than the
// playout's largest added delay (MaxDelay less the tolerance: 70 ms): the
// late frames of a draining queue do not add their own lateness to every
// frame after them. (The bench's 300 kbit/s uplink, where 340–480 ms of lag
// carried for over 10 s when a frame's transit was taken from its decode
// rather than its arrival, is not reproduced here: this holds either way.)
func TestReceiveLagAfterAJitteryStartIsThePlayoutDelay(t *testing.T) {
	const n = 150
	frames := packets(t, n, map[int]bool{0: true})
	interval := time.Second / 30
	start := time.Unix(1_700_000_000, 0)
	arrival := func(i int) time.Time {
		d := time.Duration(i) * interval
		if i > 0 && i < 40 {
			d += time.Duration(400-10*i) * time.Millisecond // a queue draining
		}
		return start.Add(d)
	}

	var shown []time.Time
	var now time.Time
	sink := media.FrameSinkFunc(func(*media.VideoFrame) { shown = append(shown, now) })
	dec, err := codec.NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	r := newReceiver(ReceiverConfig{Sink: sink, Now: func() time.Time { return now }}, dec)
	r.pace = true

	// The receive loop, on a clock of its own: wake for the next packet
	// or for the held frame's render time, whichever comes first.
	for i := 0; i < n || r.held != nil; {
		next := time.Time{}
		if i < n {
			next = arrival(i)
		}
		if r.held != nil && (next.IsZero() || r.heldAt.Before(next)) {
			now = r.heldAt
			r.service(now)
			continue
		}
		now = next
		for _, p := range frames[i] {
			r.jb.Push(p, now)
		}
		r.service(now)
		i++
	}
	if len(shown) != n {
		t.Fatalf("showed %d frames of %d", len(shown), n)
	}
	for i := 40; i < n; i++ { // the queue has drained
		if lag := shown[i].Sub(arrival(i)); lag > 75*time.Millisecond {
			t.Fatalf("frame %d shown %v after it arrived; want at most the playout's 70 ms", i, lag)
		}
	}
}
