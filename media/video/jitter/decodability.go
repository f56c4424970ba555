package jitter

// frameMeta is what decodability needs to know about one frame.
type frameMeta struct {
	desc
	first, last int64 // sequence numbers of its first and last packet
}

// temporal reports whether the frame carries the layer information the
// temporal rules need (TID and TL0PICIDX).
func (m *frameMeta) temporal() bool { return m.hasTL0 && m.hasTID }

// picRef is a picture ID that may be absent.
type picRef struct {
	ok bool
	v  uint16
}

// precedes reports whether m's picture ID comes right after r. Wrap
// follows m's own M bit: pion sends 7-bit IDs below 128 and 15-bit ones
// above, and (127+1)&0x7FFF == 128 still matches.
func (r picRef) precedes(m *frameMeta) bool {
	if !r.ok || !m.hasPic {
		return false
	}
	mask := uint16(0x7F)
	if m.pic15 {
		mask = 0x7FFF
	}
	return (r.v+1)&mask == m.pic&mask
}

// deps is the decoder's reference state as far as the buffer can tell.
//
// Rules, most specific information first:
//   - a keyframe always decodes and refreshes every reference;
//   - temporal layers (TID and TL0PICIDX): a TL0 frame needs the previous
//     TL0 (TL0PICIDX-1); a higher frame needs its own TL0 and, without Y,
//     the latest frame of every layer from 1 up to its own. libwebrtc's
//     2-layer pattern makes a Y=0 TL1 frame reference the previous TL1
//     (the 'golden' buffer) even across a TL0, so "latest frame per layer"
//     is what is tracked, not "frames since the TL0";
//   - picture IDs only: a delta frame needs PictureID-1;
//   - neither: its first packet must follow the last packet of the last
//     decoded frame, padding counted.
//
// A frame that never reaches the decoder breaks the chain (a keyframe is
// needed) unless nothing depends on it: N=1, or a layer above the base
// in the current TL0 period, which only costs that layer's Y=0 frames
// until its next sync frame. Frames that vanished without a trace show as
// a picture-ID gap; with TL0PICIDX intact they were above the base layer.
type deps struct {
	valid   bool    // the reference chain is intact (false: keyframe needed)
	ref     picRef  // picture ID of the last decoded frame
	seen    picRef  // picture ID of the last frame taken off the head, shown or not
	hasTL0  bool    // tl0 is meaningful
	tl0     uint8   // TL0PICIDX of the last decoded base-layer frame
	layerOK [4]bool // the latest frame of each temporal layer was decoded
	contig  int64   // last sequence number of the last decoded frame, extended over padding
	lost    bool    // packets of unknown frames were given up since the last frame
	breaks  int     // times the chain broke
}

func (d *deps) reset() {
	d.breakChain()
	*d = deps{breaks: d.breaks}
}

func (d *deps) breakChain() {
	if d.valid {
		d.valid = false
		d.breaks++
	}
}

// missed reports whether unknown frames vanished before m. Picture IDs
// answer exactly; without them any given-up gap counts.
func (d *deps) missed(m *frameMeta) bool {
	if m.hasPic && d.seen.ok {
		return !d.seen.precedes(m)
	}
	return d.lost
}

func (d *deps) decodable(m *frameMeta) bool {
	switch {
	case m.key:
		return true
	case !d.valid:
		return false
	case m.temporal() && d.hasTL0:
		return d.temporalOK(m)
	case m.hasPic && d.ref.ok:
		return d.ref.precedes(m)
	default:
		return m.first == d.contig+1
	}
}

func (d *deps) temporalOK(m *frameMeta) bool {
	if m.tid == 0 {
		return m.tl0 == d.tl0+1
	}
	if m.tl0 != d.tl0 {
		return false // its TL0 was lost
	}
	if m.sync {
		return true
	}
	if d.missed(m) {
		return false // a vanished frame may be one of its references
	}
	for l := 1; l <= int(m.tid); l++ {
		if !d.layerOK[l] {
			return false
		}
	}
	return true
}

// decoded records that m went out to the decoder.
func (d *deps) decoded(m *frameMeta) {
	if m.key {
		d.valid, d.hasTL0 = true, false
		d.layerOK = [4]bool{true, true, true, true}
	} else if d.missed(m) {
		d.clearUpper()
	}
	if m.temporal() {
		if m.tid == 0 {
			d.hasTL0, d.tl0 = true, m.tl0
		}
		d.layerOK[m.tid] = true
	}
	d.ref = picRef{m.hasPic, m.pic}
	d.seen = d.ref
	d.contig = m.last
	d.lost = false
}

// skipped records that m will never reach the decoder, and breaks the
// chain only when something later needs it.
func (d *deps) skipped(m *frameMeta) {
	if d.missed(m) {
		d.clearUpper()
	}
	switch {
	case m.nonRef && !m.key:
		if d.ref.precedes(m) {
			d.ref = picRef{true, m.pic} // nobody refers to it: step over
		}
	case d.upperOfCurrent(m):
		d.layerOK[m.tid] = false // only its layer's Y=0 successors suffer
	default:
		d.breakChain()
	}
	d.seen = picRef{m.hasPic, m.pic}
	d.lost = false
}

// clearUpper: an unknown frame above the base layer may have been lost.
func (d *deps) clearUpper() {
	d.layerOK[1], d.layerOK[2], d.layerOK[3] = false, false, false
}

func (d *deps) padding(s int64) {
	if s == d.contig+1 {
		d.contig = s
	}
}

// paddingGap: the numbers before first were lost padding (picture IDs
// prove no frame was among them).
func (d *deps) paddingGap(from, first int64) {
	if from == d.contig+1 {
		d.contig = first - 1
	}
}

// follows reports whether m comes right after the last frame taken off
// the head: then a gap before it held no frame (lost padding).
func (d *deps) follows(m *frameMeta) bool { return d.seen.precedes(m) }

// tl0Continues reports whether the base layer is unbroken up to m, so
// frames missing before m were all above the base layer.
func (d *deps) tl0Continues(m *frameMeta) bool {
	if !d.valid || !d.hasTL0 || !m.temporal() {
		return false
	}
	if m.tid == 0 {
		return m.tl0 == d.tl0+1
	}
	return m.tl0 == d.tl0
}

// upperOfCurrent reports whether m sits above the base layer of the
// current TL0 period: losing it costs no keyframe.
func (d *deps) upperOfCurrent(m *frameMeta) bool {
	return d.valid && d.hasTL0 && m.temporal() && m.tid > 0 && m.tl0 == d.tl0
}

// lostUnknown: packets that belonged to no known frame were given up.
func (d *deps) lostUnknown() { d.lost = true }
