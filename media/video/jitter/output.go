package jitter

// consumePadding moves next over padding: it fills sequence numbers so
// that sequence continuity holds across it. A stray packet of the frame
// that last left the head counts as padding too: that frame was decided
// already, and deciding it again could only break the chain twice.
func (b *Buffer) consumePadding() {
	for b.next <= b.high {
		sl := b.at(b.next)
		if !sl.has || !sl.pad && !b.staleTail(sl) {
			return
		}
		b.deps.padding(b.next)
		b.advance(b.next + 1)
	}
}

// staleTail reports a packet that continues the frame that last left the
// head: no start, and that frame's timestamp.
func (b *Buffer) staleTail(sl *slot) bool {
	return b.lastOut && !sl.vp8.start && sl.ts == b.lastTS
}

// emit assembles F into b.out and hands it to the decoder.
func (b *Buffer) emit(f *frameScan) Frame {
	out := Frame{
		Keyframe: f.meta.key, Timestamp: f.ts, PictureID: -1, TL0PICIDX: -1,
		TID: f.meta.tid, LayerSync: f.meta.sync,
	}
	if f.meta.hasPic {
		out.PictureID = int(f.meta.pic)
	}
	if f.meta.hasTL0 {
		out.TL0PICIDX = int(f.meta.tl0)
	}
	b.out = b.out[:0]
	for s := f.first; s <= f.end; s++ {
		sl := b.at(s)
		if sl.pad {
			continue
		}
		b.out = append(b.out, sl.data...)
		out.FirstArrival = earliest(out.FirstArrival, sl.arrival)
		if sl.arrival.After(out.Complete) {
			out.Complete = sl.arrival
		}
	}
	out.Data = b.out
	b.deps.decoded(&f.meta)
	b.lastOut, b.lastTS = true, f.ts
	b.emitted = true
	b.advance(f.end + 1)
	b.stats.FramesOut++
	return out
}

// skip drops F (its packets up to end) without output.
func (b *Buffer) skip(f *frameScan, end int64) {
	b.deps.skipped(&f.meta)
	b.lastOut, b.lastTS = true, f.ts
	b.stats.FramesSkipped++
	b.advance(end + 1)
}

// giveUp abandons the gap, or the gap and F, of the head unit.
func (b *Buffer) giveUp(u *unit) {
	switch {
	case !u.found:
		b.deps.lostUnknown()
		b.advance(b.high + 1)
		return
	case u.padGap:
		b.deps.paddingGap(b.next, u.f.first)
	case u.gap && !b.deps.follows(&u.f.meta):
		b.deps.lostUnknown()
	}
	if u.gapOnly {
		b.advance(u.f.first)
		return
	}
	end := u.f.end
	if !u.f.ended {
		end = b.high // all that came so far is F's or unknown
	}
	b.skip(&u.f, end)
}

// dropHead gives up whatever the head holds, ready or not: the ring is
// full.
func (b *Buffer) dropHead() {
	b.consumePadding()
	if b.next > b.high {
		return
	}
	u := b.inspect()
	switch u.kind {
	case uEmit, uSkip:
		b.skip(&u.f, u.f.end)
	case uEmpty:
		b.advance(b.high + 1)
	default:
		b.giveUp(&u)
	}
}

// advance moves next forward, never back. Once a frame has gone out,
// nothing behind next is read again (before that, late packets may still
// take the slots back), so the slots passed give their buffers back.
func (b *Buffer) advance(to int64) {
	to = max(b.next+1, to)
	if b.emitted {
		for s := b.next; s < to && s <= b.high && s < b.next+b.size(); s++ {
			b.recycle(b.at(s))
		}
	}
	b.next = to
}
