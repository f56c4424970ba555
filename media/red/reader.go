package red

import (
	"io"

	"github.com/pion/rtp"

	"confer/media"
)

// Reader unwraps a RED stream into the plain one inside it: each packet's
// primary frame, and before it the copies of frames that were lost on the
// way, in sequence order. A packet of another payload type passes as it
// is; one that is not valid RED is dropped (as if lost: the next packet's
// copy or the decoder's concealment stands in for it). One goroutine
// reads it.
type Reader struct {
	r     media.PacketReader
	pt    uint8
	in    rtp.Packet
	out   rtp.Packet
	bufs  [MaxDistance + 1][]byte // the packets ready, reused
	ready [][]byte                // those not read yet, oldest first
	// next is the sequence number after the newest packet passed on; a
	// copy of anything before it is not needed.
	next    uint16
	started bool
	rebuilt int
}

// NewReader unwraps the RED packets of payload type pt that r gives.
func NewReader(r media.PacketReader, pt uint8) *Reader { return &Reader{r: r, pt: pt} }

// Read gives the next plain packet.
func (r *Reader) Read(b []byte) (int, error) {
	for len(r.ready) == 0 {
		n, err := r.r.Read(b)
		if err != nil {
			return n, err
		}
		r.unwrap(b[:n])
	}
	p := r.ready[0]
	r.ready = r.ready[1:]
	if len(p) > len(b) {
		return 0, io.ErrShortBuffer
	}
	return copy(b, p), nil
}

// Rebuilt is how many packets were passed on from copies, their own lost.
func (r *Reader) Rebuilt() int { return r.rebuilt }

// unwrap makes the plain packets of one received packet ready.
func (r *Reader) unwrap(pkt []byte) {
	r.ready = r.ready[:0]
	if r.in.Unmarshal(pkt) != nil {
		return
	}
	if r.in.PayloadType != r.pt {
		r.bufs[0] = append(r.bufs[0][:0], pkt...)
		r.ready = append(r.ready, r.bufs[0])
		return
	}
	blocks, err := Parse(r.in.Payload)
	if err != nil {
		return
	}
	for _, bl := range blocks {
		seq := r.in.SequenceNumber - uint16(bl.Back)
		if bl.Back > MaxDistance || r.started && int16(seq-r.next) < 0 || !r.started && bl.Back > 0 {
			continue // passed on already, or given up on
		}
		r.out.Header = r.in.Header
		r.out.Header.SequenceNumber = seq
		r.out.Header.Timestamp = r.in.Timestamp - bl.Offset
		r.out.Header.PayloadType = bl.PT
		r.out.Header.Padding = false
		r.out.Header.Marker = r.in.Marker && bl.Back == 0
		r.out.Payload = bl.Payload
		if p := r.marshal(len(r.ready)); p != nil {
			r.ready = append(r.ready, p)
			r.next, r.started = seq+1, true
			if bl.Back > 0 {
				r.rebuilt++
			}
		}
	}
}

// marshal writes the packet in out into buffer i.
func (r *Reader) marshal(i int) []byte {
	n := r.out.MarshalSize()
	if cap(r.bufs[i]) < n {
		r.bufs[i] = make([]byte, n)
	}
	b := r.bufs[i][:n]
	if _, err := r.out.MarshalTo(b); err != nil {
		return nil
	}
	return b
}
