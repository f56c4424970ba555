package jitter

import "time"

// The head of the buffer is one "unit": an optional leading gap (holes
// and padding, contents unknown) followed by frame F, the frame of the
// first packet present after it. Frames leave strictly in RTP order, so
// the decision is always about the head unit.

type unitKind uint8

const (
	uEmpty unitKind = iota // nothing held
	uEmit                  // F is complete and decodable
	uSkip                  // F is complete but can never decode
	uDrop                  // give up now: waiting cannot help
	uWait                  // hold until deadline (zero: until more packets)
)

type unit struct {
	kind     unitKind
	gap      bool      // holes before F
	padGap   bool      // picture IDs prove the gap held no frame
	since    time.Time // when the gap's first hole was seen
	deadline time.Time
	gapOnly  bool // giving up affects the gap, not F
	found    bool // F exists
	f        frameScan
}

// frameScan describes the frame whose first present packet is first.
type frameScan struct {
	meta     frameMeta
	ts       uint32
	first    int64 // first packet present: the frame start when hasStart
	end      int64 // last number to give up with it (marker, or last own packet)
	hasStart bool
	complete bool
	ended    bool // a marker or a later frame's packet bounds it
	holes    bool
	bad      bool
	since    time.Time // earliest hole inside
}

// inspect decides about the head without changing anything.
func (b *Buffer) inspect() unit {
	var u unit
	s := b.next
	for ; s <= b.high; s++ {
		sl := b.at(s)
		if sl.has && !sl.pad {
			break
		}
		if !sl.has {
			u.gap, u.since = true, earliest(u.since, sl.since)
		}
	}
	if s > b.high {
		if !u.gap {
			return unit{kind: uEmpty}
		}
		u.kind, u.deadline = uWait, u.since.Add(b.budget())
		return u
	}
	u.found, u.f = true, b.scanFrame(s)
	if u.gap {
		b.decideGap(&u)
	} else {
		b.decideFrame(&u)
	}
	return u
}

// scanFrame walks F from its first present packet to its marker, or to a
// packet of another timestamp, noting holes.
func (b *Buffer) scanFrame(first int64) frameScan {
	sl := b.at(first)
	f := frameScan{first: first, end: first, ts: sl.ts, hasStart: sl.vp8.start}
	f.meta = frameMeta{desc: sl.vp8, first: first, last: first}
	for s := first; s <= b.high; s++ {
		sl := b.at(s)
		switch {
		case !sl.has:
			f.holes, f.since = true, earliest(f.since, sl.since)
			continue
		case sl.pad:
			continue
		case sl.ts != f.ts:
			// No marker: a sender that omits it still ends the frame
			// when the next one begins and nothing is missing.
			f.ended = true
			f.complete = f.hasStart && !f.holes && !f.bad
			return f
		}
		f.bad = f.bad || sl.bad
		f.end, f.meta.last = s, s
		if sl.marker {
			f.ended = true
			f.complete = f.hasStart && !f.holes && !f.bad
			return f
		}
	}
	return f
}

func (b *Buffer) decideFrame(u *unit) {
	f := &u.f
	switch {
	case !f.hasStart || f.bad:
		u.kind = uDrop // its start went before next, or it is malformed
	case f.complete && b.deps.decodable(&f.meta):
		u.kind = uEmit
	case f.complete:
		u.kind = uSkip
	case !b.deps.valid && !f.meta.key:
		u.kind = uDrop // a delta frame cannot help while a keyframe is needed
	default:
		u.kind = uWait
		if f.since.IsZero() {
			return // no hole seen yet: its last packets are still coming
		}
		u.deadline = f.since.Add(b.budget())
		if b.deps.upperOfCurrent(&f.meta) && b.laterReady(f) {
			u.deadline = b.early(u.deadline, f.since)
		}
	}
}

// decideGap handles holes in front of F. A keyframe after them, or picture
// IDs proving the holes held no frame (lost padding, which is never
// retransmitted), end the wait at once.
func (b *Buffer) decideGap(u *unit) {
	f := &u.f
	u.gapOnly = f.hasStart
	if f.hasStart && (f.meta.key || b.deps.follows(&f.meta)) {
		u.kind, u.padGap = uDrop, !f.meta.key
		return
	}
	u.kind = uWait
	since := u.since
	if !f.hasStart {
		since = earliest(since, f.since) // F's start is in the gap
	}
	u.deadline = since.Add(b.budget())
	// The missing frames are above the base layer, and a frame behind
	// them is ready: do not let them hold it up for long.
	early := f.hasStart && f.complete && b.deps.tl0Continues(&f.meta) ||
		!f.hasStart && b.deps.upperOfCurrent(&f.meta) && b.laterReady(f)
	if early {
		u.deadline = b.early(u.deadline, u.since)
	}
}

// early shortens a deadline to NonRefWait after the hole was seen.
func (b *Buffer) early(deadline, since time.Time) time.Time {
	if b.cfg.NonRefWait < 0 {
		return deadline
	}
	return earliest(deadline, since.Add(max(b.cfg.NonRefWait, b.slack)))
}

// laterReady reports whether the frame after f is complete and decodable
// without f (and without anything between them).
func (b *Buffer) laterReady(f *frameScan) bool {
	if !f.ended {
		return false
	}
	s := f.end + 1
	for ; s <= b.high; s++ {
		if sl := b.at(s); sl.has && !sl.pad {
			break
		}
	}
	if s > b.high {
		return false
	}
	g := b.scanFrame(s)
	if !g.complete {
		return false
	}
	m := &g.meta
	return m.key || b.deps.tl0Continues(m) && (m.tid == 0 || m.sync || m.tid < f.meta.tid)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || !b.IsZero() && b.Before(a) {
		return b
	}
	return a
}
