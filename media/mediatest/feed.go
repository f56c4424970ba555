// Package mediatest has helpers for tests of the media pipelines.
package mediatest

import (
	"io"

	"github.com/pion/rtp"
)

// Feed is a media.PacketReader over packets prepared by a test: a remote
// track that delivers them in order, then io.EOF.
type Feed struct{ pkts [][]byte }

// Add appends a packet.
func (f *Feed) Add(p *rtp.Packet) {
	b, _ := p.Marshal()
	f.pkts = append(f.pkts, b)
}

// AddRaw appends bytes as they are (malformed packets, duplicates).
func (f *Feed) AddRaw(b []byte) { f.pkts = append(f.pkts, b) }

// InsertRaw puts bytes before the packet at index i.
func (f *Feed) InsertRaw(i int, b []byte) {
	f.pkts = append(f.pkts[:i], append([][]byte{b}, f.pkts[i:]...)...)
}

// Read implements media.PacketReader.
func (f *Feed) Read(b []byte) (int, error) {
	if len(f.pkts) == 0 {
		return 0, io.EOF
	}
	n := copy(b, f.pkts[0])
	f.pkts = f.pkts[1:]
	return n, nil
}
