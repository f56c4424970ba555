package jitter

import (
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// maxPayload bounds what one slot keeps. Packets come off UDP in 1500-byte
// reads; anything bigger is hostile and marks its frame broken.
const maxPayload = 1500

// desc is the part of a VP8 payload descriptor (RFC 7741 §4.2) that
// decides decodability. libwebrtc and pion repeat it in every packet of a
// frame, so any packet tells the frame's picture ID and layer.
type desc struct {
	start  bool // S=1 and PID=0: first packet of a frame
	key    bool // start packet whose VP8 header has bit 0 clear (P=0)
	nonRef bool // N: no later frame references this one
	hasPic bool
	pic15  bool // M: 15-bit picture ID (else 7-bit)
	hasTL0 bool
	hasTID bool
	sync   bool // Y: references only the base layer
	pic    uint16
	tl0    uint8
	tid    uint8
}

// slot holds one sequence number of the ring. For every number from next
// to high the slot is either a packet (has) or a known hole (since set when
// a later packet revealed it).
type slot struct {
	seq     int64
	arrival time.Time // packet arrival
	since   time.Time // hole: when the gap was seen
	data    []byte    // VP8 payload without the descriptor; capacity reused
	ts      uint32
	has     bool
	pad     bool // padding only: fills its number, belongs to no frame
	bad     bool // malformed or oversized: its frame can never decode
	marker  bool
	vp8     desc
}

// fill stores p in the slot, copying the payload into the slot's own
// buffer because the caller reuses p.
func (sl *slot) fill(s int64, p *rtp.Packet, now time.Time, vp8 *codecs.VP8Packet) {
	sl.seq, sl.has, sl.arrival, sl.since = s, true, now, time.Time{}
	sl.ts, sl.marker = p.Timestamp, p.Marker
	sl.pad, sl.bad, sl.vp8 = false, false, desc{}
	sl.data = sl.data[:0]
	switch {
	case len(p.Payload) == 0 || paddingTwice(p):
		sl.pad = true // pion strips RTP padding: probing packets end up empty
	case len(p.Payload) > maxPayload:
		sl.bad = true
	default:
		payload, err := vp8.Unmarshal(p.Payload)
		if err != nil {
			sl.bad = true
			return
		}
		sl.vp8 = parseDesc(vp8, p.Payload, payload)
		sl.data = append(sl.data, payload...)
	}
}

// paddingTwice recognises a probing packet whose padding was written
// twice: livekit-server puts a 255-byte padding block in the payload and
// also sets the header's PaddingSize, which pion/rtp 1.10 (the one here) appends
// again. After pion strips one block the other is left as the payload:
// zeros ending in its own length. Parsed as VP8 it would be a fragment
// without a start, and giving it up broke the reference chain (a
// keyframe request) whenever the server probed.
func paddingTwice(p *rtp.Packet) bool {
	n := len(p.Payload)
	if !p.Padding || n == 0 || int(p.Payload[n-1]) != n {
		return false
	}
	for _, b := range p.Payload[:n-1] {
		if b != 0 {
			return false
		}
	}
	return true
}

// maxSpare bounds the payload buffers kept for reuse: a keyframe of a
// large screen is some hundreds of packets.
const maxSpare = 512

// takeSpare returns an empty buffer given back by an earlier packet, or
// nil (fill then allocates).
func (b *Buffer) takeSpare() []byte {
	n := len(b.spare)
	if n == 0 {
		return nil
	}
	buf := b.spare[n-1]
	b.spare[n-1] = nil
	b.spare = b.spare[:n-1]
	return buf
}

// recycle takes a slot's payload buffer back for the next packets.
func (b *Buffer) recycle(sl *slot) {
	if cap(sl.data) > 0 && len(b.spare) < maxSpare {
		b.spare = append(b.spare, sl.data[:0])
	}
	sl.data = nil
}

// hole marks the slot as the missing number s, seen missing at now.
func (sl *slot) hole(s int64, now time.Time) {
	sl.seq, sl.has, sl.since = s, false, now
	sl.data = sl.data[:0]
}

func parseDesc(d *codecs.VP8Packet, raw, payload []byte) desc {
	x := desc{start: d.S == 1 && d.PID == 0, nonRef: d.N == 1}
	x.key = x.start && len(payload) > 0 && payload[0]&1 == 0
	if d.I == 1 {
		// pion does not keep the M bit; I=1 implies X=1, so the picture ID
		// starts at byte 2, which Unmarshal has checked exists.
		x.hasPic, x.pic, x.pic15 = true, d.PictureID, raw[2]&0x80 != 0
	}
	if d.L == 1 {
		x.hasTL0, x.tl0 = true, d.TL0PICIDX
	}
	if d.T == 1 {
		x.hasTID, x.tid, x.sync = true, d.TID, d.Y == 1
	}
	return x
}
