package jitter

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// Defaults for Config fields left zero.
const (
	DefaultMinWait    = 20 * time.Millisecond
	DefaultMaxWait    = 500 * time.Millisecond
	DefaultStartWait  = 150 * time.Millisecond
	DefaultMaxPackets = 1024
)

// resetJump: a sequence jump this large (either way) is a new stream — a
// sender restart or an SFU switch — not loss. Retransmissions never come
// from that far back (pion's NACK window is 512 packets).
const resetJump = 1000

// Config bounds the buffer. Zero fields take the defaults above.
type Config struct {
	// MinWait and MaxWait bound how long an incomplete frame is held for
	// retransmissions. Within them the wait follows the measured recovery
	// time (gap seen → missing packet arrived): 1.5 × p90 + 10 ms.
	MinWait, MaxWait time.Duration
	// StartWait is the wait before any recovery was measured.
	StartWait time.Duration
	// NonRefWait bounds the wait for a frame that no base-layer frame
	// needs (a higher temporal layer) once a later frame is ready to go:
	// waiting longer would delay every frame behind it to save one that
	// nothing on the base chain refers to (libwebrtc does not wait at
	// all). It still covers ordinary reordering, and SetPlayoutDelay
	// lengthens it to the delay the renderer adds anyway. Zero means
	// MinWait; negative means such frames wait the full budget.
	NonRefWait time.Duration
	// MaxPackets bounds memory: the span of sequence numbers held. Beyond
	// it the oldest frames are given up. Rounded up to a power of two.
	MaxPackets int
}

// Frame is a frame to decode. Data is valid until the next Push or Pop.
type Frame struct {
	Data         []byte // VP8 frame: the payloads without descriptors, in order
	Keyframe     bool
	Timestamp    uint32 // RTP, 90 kHz
	PictureID    int    // -1 if absent
	TID          uint8
	TL0PICIDX    int // -1 if absent
	LayerSync    bool
	FirstArrival time.Time // first of its packets to arrive
	Complete     time.Time // last of its packets to arrive
}

// Buffer is a VP8 jitter buffer. It is not safe for concurrent use.
type Buffer struct {
	cfg     Config
	ring    []slot
	mask    int64
	seq     seqUnwrapper
	next    int64 // first sequence number not yet output or given up
	high    int64 // highest sequence number seen
	started bool
	emitted bool // a frame went out since the (re)start
	deps    deps
	rec     recovery
	stats   Stats
	vp8     codecs.VP8Packet // parser state, reused
	out     []byte           // Frame.Data, reused
	// spare holds payload buffers that frames gone out gave back, for the
	// next packets: the memory held follows the packets waiting, not the
	// ring's span (a buffer in each of 1024 slots was 1.3 MB a stream).
	spare   [][]byte
	slack   time.Duration // delay the renderer adds anyway (SetPlayoutDelay)
	cand    candidate
	lastOut bool   // a frame left the head (emitted or skipped) since the start
	lastTS  uint32 // its timestamp
}

// candidate is a packet far from the stream (more than resetJump away).
// One such packet is a stray — a corrupt number, a straggler from before
// the last reset — and is dropped; when the next far packet agrees with
// it, a new stream has begun: reset, and keep both.
type candidate struct {
	pkt rtp.Packet
	buf []byte
	at  time.Time
	ok  bool
}

func (c *candidate) hold(p *rtp.Packet, now time.Time) {
	// Beyond maxPayload the packet is bad anyway: keep no more than that.
	c.buf = append(c.buf[:0], p.Payload[:min(len(p.Payload), maxPayload+1)]...)
	c.pkt.Header, c.pkt.Payload = p.Header, c.buf
	c.at, c.ok = now, true
}

func (c *candidate) agrees(raw uint16) bool {
	d := int(int16(raw - c.pkt.SequenceNumber))
	return c.ok && d <= resetJump && d >= -resetJump
}

// New returns an empty buffer; it needs a keyframe first.
func New(cfg Config) *Buffer {
	cfg = cfg.withDefaults()
	n := 64
	for n < cfg.MaxPackets {
		n *= 2
	}
	return &Buffer{cfg: cfg, ring: make([]slot, n), mask: int64(n - 1)}
}

func (c Config) withDefaults() Config {
	if c.MinWait <= 0 {
		c.MinWait = DefaultMinWait
	}
	if c.MaxWait <= 0 {
		c.MaxWait = DefaultMaxWait
	}
	c.MaxWait = max(c.MaxWait, c.MinWait)
	if c.StartWait <= 0 {
		c.StartWait = DefaultStartWait
	}
	if c.NonRefWait == 0 {
		c.NonRefWait = c.MinWait
	}
	if c.MaxPackets <= 0 {
		c.MaxPackets = DefaultMaxPackets
	}
	c.MaxPackets = min(c.MaxPackets, 1<<15) // half the sequence space
	return c
}

func (b *Buffer) size() int64           { return int64(len(b.ring)) }
func (b *Buffer) at(s int64) *slot      { return &b.ring[s&b.mask] }
func (b *Buffer) budget() time.Duration { return b.rec.budget(&b.cfg) }

// Push adds a packet that arrived at now. It copies what it keeps.
func (b *Buffer) Push(p *rtp.Packet, now time.Time) {
	if p == nil {
		return
	}
	b.stats.Packets++
	if b.started && b.far(p.SequenceNumber) {
		if !b.cand.agrees(p.SequenceNumber) {
			b.dropStray()
			b.cand.hold(p, now)
			return
		}
		b.stats.Resets++
		b.restart(b.cand.pkt.SequenceNumber, b.high+2*b.size()+1)
		b.cand.ok = false
		b.insert(&b.cand.pkt, b.cand.at)
	}
	b.dropStray()
	b.insert(p, now)
}

// far reports a sequence number more than resetJump from the stream.
func (b *Buffer) far(raw uint16) bool {
	s := b.seq.peek(raw)
	return s > b.high+resetJump || s < b.high-resetJump
}

func (b *Buffer) dropStray() {
	if b.cand.ok {
		b.cand.ok = false
		b.stats.PacketsLate++
	}
}

func (b *Buffer) insert(p *rtp.Packet, now time.Time) {
	s, ok := b.place(p.SequenceNumber, now)
	if !ok {
		return
	}
	sl := b.at(s)
	if sl.seq == s && sl.has {
		b.stats.PacketsDuplicate++
		return
	}
	if sl.seq == s && !sl.since.IsZero() {
		b.stats.PacketsRecovered++
		b.rec.add(now.Sub(sl.since))
	}
	if cap(sl.data) == 0 {
		sl.data = b.takeSpare()
	}
	sl.fill(s, p, now, &b.vp8)
	if sl.bad {
		b.stats.PacketsMalformed++
	}
}

// place unwraps a sequence number (near the stream: Push checked) and
// makes room for it in the ring; ok is false when it is too old to use.
func (b *Buffer) place(raw uint16, now time.Time) (s int64, ok bool) {
	if !b.started {
		return b.restart(raw, 1<<32), true
	}
	s = b.seq.unwrap(raw)
	if s < b.next {
		return b.late(s, now)
	}
	if s >= b.next+b.size() {
		b.slide(s, now)
	}
	for h := max(b.high+1, b.next); h < s; h++ {
		b.at(h).hole(h, now)
	}
	b.high = max(b.high, s)
	return s, true
}

// restart begins a new stream at raw; it waits for a keyframe.
func (b *Buffer) restart(raw uint16, floor int64) int64 {
	s := b.seq.restart(raw, floor)
	b.next, b.high = s, s
	b.started, b.emitted, b.lastOut = true, false, false
	b.deps.reset()
	return s
}

// late handles a packet older than next. Before anything went out it may
// be the reordered start of the very first frame, so the window grows
// back to take it. Otherwise it is dropped, but if it fills a hole its
// recovery time still teaches the budget: that is how the budget learns
// it was too short.
func (b *Buffer) late(s int64, now time.Time) (int64, bool) {
	if !b.emitted && b.high-s < b.size() {
		// What was dropped meanwhile is still in its slots: take it back.
		for h := s + 1; h < b.next; h++ {
			if sl := b.at(h); sl.seq != h {
				sl.hole(h, now)
			}
		}
		b.next = s
		b.deps.reset() // nothing was decoded yet, so nothing breaks
		return s, true
	}
	b.stats.PacketsLate++
	if sl := b.at(s); sl.seq == s && !sl.has && !sl.since.IsZero() {
		b.rec.tooLate(now.Sub(sl.since))
		sl.since = time.Time{} // count it once
	}
	return 0, false
}

// slide gives up the oldest frames until s fits in the ring: the memory
// bound, and the end of endless frames without a marker.
func (b *Buffer) slide(s int64, now time.Time) {
	for s >= b.next+b.size() && b.next <= b.high {
		b.dropHead()
	}
	if s >= b.next+b.size() {
		b.next = s - b.size() + 1
		b.high = b.next - 1
		b.deps.lostUnknown()
	}
}

// Pop returns the next frame to decode, in decode order, or ok false when
// the head must wait for packets or for NextWake.
func (b *Buffer) Pop(now time.Time) (f Frame, ok bool) {
	// Every pass consumes at least one sequence number, so this ends.
	for b.started && b.next <= b.high {
		b.consumePadding()
		u := b.inspect()
		switch u.kind {
		case uEmpty:
			return Frame{}, false
		case uEmit:
			return b.emit(&u.f), true
		case uSkip:
			b.skip(&u.f, u.f.end)
		case uDrop:
			b.giveUp(&u)
		case uWait:
			if u.deadline.IsZero() || now.Before(u.deadline) {
				return Frame{}, false
			}
			b.giveUp(&u)
		}
	}
	return Frame{}, false
}

// NextWake tells when Pop could yield without a new packet: a wait that
// expires. A zero time with ok means Pop has something now.
func (b *Buffer) NextWake() (time.Time, bool) {
	if !b.started || b.next > b.high {
		return time.Time{}, false
	}
	u := b.inspect()
	switch u.kind {
	case uEmpty:
		return time.Time{}, false
	case uWait:
		return u.deadline, !u.deadline.IsZero()
	}
	return time.Time{}, true
}

// NeedKeyframe reports that only a keyframe can help: a frame later
// frames depend on is lost for good, the decoder failed, or nothing has
// been decodable yet. It clears when a keyframe is popped. The caller
// throttles its PLIs.
func (b *Buffer) NeedKeyframe() bool { return !b.deps.valid }

// KeyframeArriving reports that the head is a keyframe whose packets are
// still coming in. Asking for a keyframe meanwhile only makes the sender
// send a second one after it (a 1080p screen's takes a second or more).
func (b *Buffer) KeyframeArriving() bool {
	if !b.started || b.next > b.high {
		return false
	}
	u := b.inspect()
	return u.found && u.kind == uWait && u.f.hasStart && u.f.meta.key
}

// DecodeFailed says the decoder rejected the last popped frame: its
// dependants cannot decode either, until a keyframe.
func (b *Buffer) DecodeFailed() {
	b.stats.DecodeFailures++
	b.deps.breakChain()
}

// SetPlayoutDelay tells the delay the renderer adds after Pop
// (Playout.Delay). Holding a frame that no base-layer frame needs costs
// no smoothness while the hold stays within it, so such a frame is waited
// for that long, not just NonRefWait, when later frames are ready.
func (b *Buffer) SetPlayoutDelay(d time.Duration) { b.slack = max(d, 0) }

// Stats returns the counters and the current wait budget.
func (b *Buffer) Stats() Stats {
	s := b.stats
	s.KeyframesNeeded = b.deps.breaks
	s.RecoveryP50, s.RecoveryP95 = b.rec.p50, b.rec.p95
	s.WaitBudget = b.budget()
	return s
}
