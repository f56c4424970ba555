package jitter

import (
	"encoding/binary"
	"math/rand"

	"github.com/pion/rtp"
)

// vp8Sender builds the RTP packets of a VP8 stream with payload
// descriptors as libwebrtc writes them: 15-bit picture IDs, and with two
// temporal layers its short 4-frame pattern
//
//	TL0, TL1 (Y=1, updates golden), TL0, TL1 (Y=0, N=1, refs golden)
//
// restarting at every keyframe.
type vp8Sender struct {
	seq     uint16
	ts      uint32
	pic     uint16
	tl0     uint8
	picIDs  bool
	layers  int // 1: no temporal info; 2: TL0/TL1
	pos     int // position in the temporal pattern since the keyframe
	frames  int
	rng     *rand.Rand
	maxPkts int // delta frames have 1..maxPkts packets; keyframes maxPkts+2
	chunk   int // VP8 bytes per packet
}

// sentFrame is one frame as sent, with its true references.
type sentFrame struct {
	idx  int
	key  bool
	tid  uint8
	ts   uint32
	refs []int // frame indices it references
	data []byte
	pkts []rtp.Packet
}

func newSender(seed int64, picIDs bool, layers int) *vp8Sender {
	return &vp8Sender{
		seq: 1000, ts: 90000, pic: 100, tl0: 7, picIDs: picIDs, layers: layers,
		rng: rand.New(rand.NewSource(seed)), maxPkts: 4, chunk: 200,
	}
}

// next encodes the next frame (30 fps).
func (s *vp8Sender) next(key bool) sentFrame {
	f := sentFrame{idx: s.frames, key: key || s.frames == 0, ts: s.ts}
	s.frames++
	s.ts += 3000
	if f.key {
		s.pos = 0
	}
	f.tid, f.refs = s.structure(&f)
	nonRef := s.layers > 1 && s.pos%4 == 3
	sync := s.layers > 1 && s.pos%4 == 1
	if f.tid == 0 {
		s.tl0++
	}
	n := 1 + s.rng.Intn(s.maxPkts)
	if f.key {
		n = s.maxPkts + 2
	}
	f.data = frameBytes(f.idx, f.key, n*s.chunk-s.rng.Intn(s.chunk/2))
	for i := range n {
		lo, hi := i*len(f.data)/n, (i+1)*len(f.data)/n
		d := s.descriptor(i == 0, nonRef, f.tid, sync)
		p := rtp.Packet{Header: rtp.Header{
			Version: 2, PayloadType: 96, SSRC: 0x1234,
			SequenceNumber: s.seq, Timestamp: f.ts, Marker: i == n-1,
		}, Payload: append(d, f.data[lo:hi]...)}
		s.seq++
		f.pkts = append(f.pkts, p)
	}
	s.pic = (s.pic + 1) & 0x7FFF
	s.pos++
	return f
}

// structure gives the temporal layer and the true references.
func (s *vp8Sender) structure(f *sentFrame) (uint8, []int) {
	if f.key {
		return 0, nil
	}
	if s.layers < 2 {
		return 0, []int{f.idx - 1}
	}
	lastTL0 := f.idx - 1
	if s.pos%2 == 0 {
		lastTL0 = f.idx - 2
	}
	switch s.pos % 4 {
	case 1:
		return 1, []int{lastTL0}
	case 3:
		return 1, []int{lastTL0, f.idx - 2} // golden: the TL1 sync frame
	}
	return 0, []int{lastTL0}
}

func (s *vp8Sender) descriptor(start, nonRef bool, tid uint8, sync bool) []byte {
	b := []byte{0}
	if start {
		b[0] |= 0x10
	}
	if nonRef {
		b[0] |= 0x20
	}
	if !s.picIDs && s.layers < 2 {
		return b
	}
	b[0] |= 0x80
	x := byte(0)
	if s.picIDs {
		x |= 0x80
	}
	if s.layers > 1 {
		x |= 0x60 // L and T
	}
	b = append(b, x)
	if s.picIDs {
		b = append(b, 0x80|byte(s.pic>>8), byte(s.pic))
	}
	if s.layers > 1 {
		y := byte(0)
		if sync {
			y = 0x20
		}
		b = append(b, s.tl0, tid<<6|y)
	}
	return b
}

// frameBytes is a fake VP8 frame: the P bit of the frame tag, then the
// frame index, then filler, so tests can check what comes out.
func frameBytes(idx int, key bool, n int) []byte {
	d := make([]byte, max(n, 8))
	d[0] = 0x11
	if key {
		d[0] = 0x10
	}
	binary.BigEndian.PutUint32(d[1:], uint32(idx))
	for i := 5; i < len(d); i++ {
		d[i] = byte(idx + i)
	}
	return d
}

func frameIndex(data []byte) int {
	if len(data) < 5 {
		return -1
	}
	return int(binary.BigEndian.Uint32(data[1:]))
}

func padding(seq uint16, ts uint32) rtp.Packet {
	return rtp.Packet{Header: rtp.Header{
		Version: 2, PayloadType: 96, SSRC: 0x1234, SequenceNumber: seq, Timestamp: ts,
		Padding: true, PaddingSize: 255,
	}}
}
