package video

import (
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// assembler joins the RTP packets of one VP8 frame. It hands a frame over as
// soon as the packet with the marker bit arrives (a sample builder would wait
// for the next frame's first packet: one frame interval of extra delay).
//
// Any gap in sequence numbers drops the frame in progress and every frame
// after it until a keyframe starts, because decoding a delta frame whose
// reference is missing shows garbage. The receiver asks for that keyframe.
// TODO: wait a little for NACK retransmissions (reordering) before giving
// up on a frame, once loss tests exist.
type assembler struct {
	depack   codecs.VP8Packet
	frame    []byte
	ts       uint32
	nextSeq  uint16
	started  bool // a frame is being collected
	haveSeq  bool // nextSeq is meaningful
	needKey  bool // drop delta frames until a keyframe
	keyframe bool // the frame being collected is a keyframe
}

func newAssembler() *assembler {
	return &assembler{frame: make([]byte, 0, 256<<10), needKey: true}
}

// push adds a packet. It returns a complete frame (valid until the next push)
// and whether it is a keyframe. lost reports that a gap was seen.
func (a *assembler) push(p *rtp.Packet) (frame []byte, key bool, lost bool) {
	if a.haveSeq && p.SequenceNumber != a.nextSeq {
		if int16(p.SequenceNumber-a.nextSeq) < 0 {
			return nil, false, false // late duplicate or retransmission of a finished frame
		}
		lost = true
		a.started = false
		a.needKey = true
	}
	a.haveSeq = true
	a.nextSeq = p.SequenceNumber + 1

	payload, err := a.depack.Unmarshal(p.Payload)
	if err != nil {
		a.started = false
		return nil, false, lost
	}
	if a.depack.S == 1 && a.depack.PID == 0 {
		// First packet of a frame: bit 0 of the VP8 header is 0 for keyframes.
		a.started = true
		a.ts = p.Timestamp
		a.frame = a.frame[:0]
		a.keyframe = len(payload) > 0 && payload[0]&0x01 == 0
	}
	if !a.started || p.Timestamp != a.ts {
		a.started = false
		return nil, false, lost
	}
	a.frame = append(a.frame, payload...)
	if !p.Marker {
		return nil, false, lost
	}
	a.started = false
	if a.needKey && !a.keyframe {
		return nil, false, lost
	}
	a.needKey = false
	return a.frame, a.keyframe, lost
}
