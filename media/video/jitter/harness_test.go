package jitter

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// harness feeds a Buffer like the receiver would and checks every frame
// that comes out: right bytes, strictly increasing, and truly decodable
// (all its references went out since the last keyframe).
type harness struct {
	t       testing.TB
	b       *Buffer
	sent    map[int]*sentFrame
	decoded map[int]bool
	outIdx  []int
	outAt   []time.Time
	last    int
	now     time.Time
	pkt     rtp.Packet
	payload []byte
	onFrame func(f Frame, at time.Time)
}

func newHarness(t testing.TB, cfg Config) *harness {
	return &harness{t: t, b: New(cfg), sent: map[int]*sentFrame{}, decoded: map[int]bool{}, last: -1, now: t0}
}

func (h *harness) add(f sentFrame) *sentFrame {
	h.sent[f.idx] = &f
	return &f
}

// push hands p over in a reused packet, as the receiver's read loop does,
// then scribbles on it: the buffer must have copied what it keeps.
func (h *harness) push(p rtp.Packet, at time.Time) {
	h.advance(at)
	h.payload = append(h.payload[:0], p.Payload...)
	h.pkt.Header = p.Header
	h.pkt.Payload = h.payload
	h.b.Push(&h.pkt, at)
	for i := range h.payload {
		h.payload[i] = 0xEE
	}
	h.pop(at)
}

// advance fires the buffer's wake-ups due before at, like a timer would.
// A due wake-up must let Pop make progress.
func (h *harness) advance(at time.Time) {
	for {
		w, ok := h.b.NextWake()
		if !ok || w.After(at) {
			break
		}
		if w.After(h.now) {
			h.now = w
		}
		next := h.b.next
		if h.pop(h.now) == 0 && h.b.next == next {
			h.t.Fatalf("wake-up due at %v, but Pop makes no progress", w.Sub(t0))
		}
	}
	if at.After(h.now) {
		h.now = at
	}
}

func (h *harness) pop(at time.Time) int {
	n := 0
	for {
		f, ok := h.b.Pop(at)
		if !ok {
			return n
		}
		n++
		h.check(f, at)
	}
}

func (h *harness) check(f Frame, at time.Time) {
	h.t.Helper()
	idx := frameIndex(f.Data)
	sf := h.sent[idx]
	switch {
	case sf == nil:
		h.t.Fatalf("unknown frame %d out", idx)
	case !bytes.Equal(f.Data, sf.data):
		h.t.Fatalf("frame %d: data differs (%d vs %d bytes)", idx, len(f.Data), len(sf.data))
	case idx <= h.last:
		h.t.Fatalf("frame %d out after %d", idx, h.last)
	case f.Keyframe != sf.key || f.Timestamp != sf.ts:
		h.t.Fatalf("frame %d: key %v ts %d, sent key %v ts %d", idx, f.Keyframe, f.Timestamp, sf.key, sf.ts)
	}
	if sf.key {
		clear(h.decoded)
	}
	for _, r := range sf.refs {
		if !h.decoded[r] {
			h.t.Fatalf("frame %d out but its reference %d was not decoded", idx, r)
		}
	}
	h.decoded[idx] = true
	h.last = idx
	if h.onFrame != nil {
		h.onFrame(f, at)
	}
	h.outIdx = append(h.outIdx, idx)
	h.outAt = append(h.outAt, at)
}

// sendAll pushes frames' packets in order, frame i at i×33.3 ms, packets
// 1 ms apart; drop says which (frame, packet) to leave out.
func (h *harness) sendAll(frames []*sentFrame, start time.Time, drop func(f, p int) bool) {
	for _, f := range frames {
		at := start.Add(time.Duration(f.idx) * time.Second / 30)
		for j, p := range f.pkts {
			if drop == nil || !drop(f.idx, j) {
				h.push(p, at.Add(time.Duration(j)*time.Millisecond))
			}
		}
	}
}

func sendTime(start time.Time, idx, pkt int) time.Time {
	return start.Add(time.Duration(idx)*time.Second/30 + time.Duration(pkt)*time.Millisecond)
}

// makeFrames encodes n frames (the first a keyframe) and registers them.
func makeFrames(h *harness, s *vp8Sender, n int) []*sentFrame {
	out := make([]*sentFrame, n)
	for i := range out {
		out[i] = h.add(s.next(false))
	}
	return out
}
