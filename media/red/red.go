// Package red carries audio frames with copies of the frames before them,
// RFC 2198 redundant audio data as WebRTC uses it for Opus ("audio/red"):
// a packet lost on the way is rebuilt from the copy in one of the next
// two. LiveKit's server takes RED from a publisher, rebuilds what the
// uplink lost for receivers that take plain Opus, and passes RED on to
// receivers that take it.
//
// pion has no RED, and livekit-server's is internal to its forwarder, so
// the format is written here: a one-byte header for the primary frame,
// four bytes for each redundant one.
package red

import (
	"encoding/binary"
	"errors"
)

// MaxDistance is the most earlier frames a packet carries: what
// livekit-server rebuilds from (its maxRedCount) and what libwebrtc sends.
const MaxDistance = 2

// Limits of a redundant block's header fields.
const (
	maxOffset = 1<<14 - 1 // timestamp offset, 14 bits
	maxLength = 1<<10 - 1 // block length, 10 bits
)

// Errors for payloads that are not RED.
var (
	ErrShortHeader = errors.New("red: header cut short")
	ErrShortBlock  = errors.New("red: block longer than the payload")
)

type frame struct {
	seq     uint16
	ts      uint32
	payload []byte
}

// Encoder wraps each frame of one stream with copies of the frames just
// before it. One goroutine uses it.
type Encoder struct {
	pt   uint8   // the payload type of the frames inside (Opus)
	prev []frame // the last MaxDistance frames sent, oldest first
}

// NewEncoder makes an encoder for frames of payload type pt.
func NewEncoder(pt uint8) *Encoder { return &Encoder{pt: pt} }

// Encode appends to dst the RED payload of the frame with sequence number
// seq and timestamp ts, carrying copies of up to distance frames just
// before it. A copy goes only with an unbroken run of the frames right
// before this one (a receiver tells a copy's sequence number by its place),
// within the header's timestamp range (after a pause, none go).
func (e *Encoder) Encode(dst []byte, seq uint16, ts uint32, payload []byte, distance int) []byte {
	red := e.redundant(seq, ts, min(max(distance, 0), MaxDistance))
	for _, f := range red {
		h := uint32(0x80|e.pt)<<24 | (ts-f.ts)<<10 | uint32(len(f.payload))
		dst = binary.BigEndian.AppendUint32(dst, h)
	}
	dst = append(dst, e.pt)
	for _, f := range red {
		dst = append(dst, f.payload...)
	}
	dst = append(dst, payload...)
	e.remember(seq, ts, payload)
	return dst
}

// redundant is the unbroken run of remembered frames, at most distance
// long, that ends right before seq.
func (e *Encoder) redundant(seq uint16, ts uint32, distance int) []frame {
	start := len(e.prev)
	for i := len(e.prev) - 1; i >= 0 && len(e.prev)-i <= distance; i-- {
		f := e.prev[i]
		if f.seq != seq-uint16(len(e.prev)-i) || ts-f.ts > maxOffset || len(f.payload) > maxLength {
			break
		}
		start = i
	}
	return e.prev[start:]
}

// remember keeps a copy of the frame, dropping the oldest.
func (e *Encoder) remember(seq uint16, ts uint32, payload []byte) {
	var keep []byte
	if len(e.prev) == MaxDistance {
		keep = e.prev[0].payload[:0] // reuse the oldest copy's buffer
		e.prev = append(e.prev[:0], e.prev[1:]...)
	}
	e.prev = append(e.prev, frame{seq, ts, append(keep, payload...)})
}

// Block is one frame in a RED payload.
type Block struct {
	PT uint8
	// Back is how many frames before the packet's own this one is: 0 for
	// the primary frame, whose sequence number and timestamp are the
	// packet's.
	Back    int
	Offset  uint32 // timestamp offset back from the packet's
	Payload []byte // points into the packet
}

// Parse splits a RED payload into its blocks, the oldest first and the
// primary frame last. The blocks point into payload.
func Parse(payload []byte) ([]Block, error) {
	var blocks []Block
	var lengths []int
	total := 0
	for {
		if len(payload) < 1 {
			return nil, ErrShortHeader
		}
		if payload[0]&0x80 == 0 {
			blocks = append(blocks, Block{PT: payload[0] & 0x7f})
			payload = payload[1:]
			break
		}
		if len(payload) < 4 {
			return nil, ErrShortHeader
		}
		h := binary.BigEndian.Uint32(payload)
		blocks = append(blocks, Block{PT: uint8(h>>24) & 0x7f, Offset: h >> 10 & maxOffset})
		lengths = append(lengths, int(h&maxLength))
		total += int(h & maxLength)
		payload = payload[4:]
	}
	if len(payload) < total {
		return nil, ErrShortBlock
	}
	for i, n := range lengths {
		blocks[i].Payload, payload = payload[:n:n], payload[n:]
		blocks[i].Back = len(lengths) - i
	}
	blocks[len(blocks)-1].Payload = payload
	return blocks, nil
}
