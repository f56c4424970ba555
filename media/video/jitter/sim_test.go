package jitter

import (
	"container/heap"
	"math/rand"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// netSim runs a 30 fps VP8 sender through a lossy link into a receiver,
// with NACK retransmissions and PLI keyframe requests.
type netSim struct {
	picIDs    bool
	layers    int
	loss      float64          // per transmission, retransmissions included
	rtt       [2]time.Duration // retransmission arrives this long after the loss
	repeat    bool             // pion: NACK every 100 ms until it arrives (else once)
	oneWay    time.Duration    // sender → receiver, and PLI receiver → sender
	frames    int
	seed      int64
	cfg       Config
	baseline  bool          // today's assembler instead of the jitter buffer
	coupled   bool          // feed Playout.Delay back with SetPlayoutDelay
	jitterMax time.Duration // per packet: reorders freely
	frameJit  time.Duration // per frame: packets keep their order
}

type simResult struct {
	sent, out      int
	keysNeeded     int // PLIs sent
	longestGap     time.Duration
	latP50, latP95 time.Duration // capture → out
	renderJitter   time.Duration // p95 |render interval − 33 ms| after Playout
	playoutDelay   time.Duration
	stats          Stats
}

// receiver is the buffer under test, or today's assembler.
type receiver interface {
	push(p rtp.Packet, at time.Time)
	advance(at time.Time)
	needKeyframe() bool
	record() *harness
}

func (h *harness) needKeyframe() bool { return h.b.NeedKeyframe() }
func (h *harness) record() *harness   { return h }

type pending struct {
	at  time.Time
	p   rtp.Packet
	try int
	due time.Time // first send time, for the pion model's age limit
}

type queue []pending

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(pending)) }
func (q *queue) Pop() any          { old := *q; x := old[len(old)-1]; *q = old[:len(old)-1]; return x }

func (n netSim) run(tb testing.TB) simResult {
	rng := rand.New(rand.NewSource(n.seed))
	h := newHarness(tb, n.cfg)
	var rx receiver = h
	play := NewPlayout(PlayoutConfig{})
	var render []time.Time
	h.onFrame = func(f Frame, at time.Time) {
		render = append(render, play.Release(f.Timestamp, at))
		if n.coupled {
			h.b.SetPlayoutDelay(play.Delay())
		}
	}
	if n.baseline {
		rx = &baseline{h: h}
	}
	s := newSender(n.seed, n.picIDs, n.layers)
	var q queue
	capture := map[int]time.Time{}
	var keyReq, lastPLI time.Time
	plis := 0
	for i := 0; i < n.frames || q.Len() > 0; {
		capAt := t0.Add(time.Duration(i) * time.Second / 30)
		if i < n.frames && (q.Len() == 0 || !q[0].at.Before(capAt)) {
			rx.advance(capAt)
			key := !keyReq.IsZero() && !capAt.Before(keyReq)
			if key {
				keyReq = time.Time{}
			}
			f := h.add(s.next(key))
			capture[f.idx] = capAt
			fj := time.Duration(rng.Int63n(int64(n.frameJit) + 1))
			for j, p := range f.pkts {
				at := capAt.Add(n.oneWay + fj + time.Duration(j)*300*time.Microsecond)
				at = at.Add(time.Duration(rng.Int63n(int64(n.jitterMax) + 1)))
				n.send(rng, &q, pending{at: at, p: p, due: at})
			}
			i++
		} else {
			e := heap.Pop(&q).(pending)
			rx.advance(e.at)
			rx.push(e.p, e.at)
		}
		now := h.now
		if rx.needKeyframe() && now.Sub(lastPLI) >= 250*time.Millisecond {
			lastPLI, keyReq = now, now.Add(n.oneWay)
			plis++
		}
	}
	rx.advance(h.now.Add(time.Second))
	return n.result(h, capture, plis, render, play)
}

// send delivers p or, when lost, schedules its retransmission.
func (n netSim) send(rng *rand.Rand, q *queue, e pending) {
	for {
		if rng.Float64() >= n.loss {
			heap.Push(q, e)
			return
		}
		if e.try > 0 && !n.repeat {
			return // the one retransmission is lost too
		}
		delay := n.rtt[0] + time.Duration(rng.Int63n(int64(n.rtt[1]-n.rtt[0])+1))
		if n.repeat {
			// pion NACKs on a 100 ms ticker: the first NACK waits for a
			// tick, and a lost retransmission is asked again a tick later.
			if e.try == 0 {
				delay += time.Duration(rng.Int63n(int64(100 * time.Millisecond)))
			} else {
				delay = 100 * time.Millisecond
			}
			if e.at.Add(delay).Sub(e.due) > time.Second {
				return // out of the NACK window
			}
		}
		e.at, e.try = e.at.Add(delay), e.try+1
	}
}

func (n netSim) result(h *harness, capture map[int]time.Time, plis int, render []time.Time, play *Playout) simResult {
	r := simResult{sent: n.frames, out: len(h.outIdx), keysNeeded: plis, stats: h.b.Stats()}
	var lat []time.Duration
	for k, idx := range h.outIdx {
		lat = append(lat, h.outAt[k].Sub(capture[idx]))
		if k > 0 {
			r.longestGap = max(r.longestGap, h.outAt[k].Sub(h.outAt[k-1]))
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		r.latP50, r.latP95 = lat[len(lat)/2], lat[len(lat)*95/100]
	}
	var dev []time.Duration
	for k := 1; k < len(render); k++ {
		want := time.Duration(h.outIdx[k]-h.outIdx[k-1]) * time.Second / 30
		d := render[k].Sub(render[k-1]) - want
		dev = append(dev, max(d, -d))
	}
	slices.Sort(dev)
	if len(dev) > 0 {
		r.renderJitter = dev[len(dev)*95/100]
	}
	r.playoutDelay = play.Delay()
	return r
}

// baseline is media/video/assembler.go as of today, for comparison: any
// gap drops frames until a keyframe; late packets are discarded.
type baseline struct {
	h        *harness
	depack   codecs.VP8Packet
	frame    []byte
	ts       uint32
	nextSeq  uint16
	started  bool
	haveSeq  bool
	needKey  bool
	keyframe bool
	init     bool
}

func (a *baseline) record() *harness     { return a.h }
func (a *baseline) needKeyframe() bool   { return a.needKey || !a.init }
func (a *baseline) advance(at time.Time) { a.h.now = at }

func (a *baseline) push(p rtp.Packet, at time.Time) {
	a.h.now = at
	if !a.init {
		a.init, a.needKey = true, true
	}
	if a.haveSeq && p.SequenceNumber != a.nextSeq {
		if int16(p.SequenceNumber-a.nextSeq) < 0 {
			return
		}
		a.started, a.needKey = false, true
	}
	a.haveSeq, a.nextSeq = true, p.SequenceNumber+1
	payload, err := a.depack.Unmarshal(p.Payload)
	if err != nil {
		a.started = false
		return
	}
	if a.depack.S == 1 && a.depack.PID == 0 {
		a.started, a.ts, a.frame = true, p.Timestamp, a.frame[:0]
		a.keyframe = len(payload) > 0 && payload[0]&0x01 == 0
	}
	if !a.started || p.Timestamp != a.ts {
		a.started = false
		return
	}
	a.frame = append(a.frame, payload...)
	if !p.Marker {
		return
	}
	a.started = false
	if a.needKey && !a.keyframe {
		return
	}
	a.needKey = false
	a.h.check(Frame{Data: a.frame, Keyframe: a.keyframe, Timestamp: a.ts}, at)
}
