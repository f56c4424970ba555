// Package mediatest has helpers for tests of the media pipelines.
package mediatest

import (
	"io"
	"time"

	"github.com/pion/rtp"
)

// Feed is a media.PacketReader over packets prepared by a test: a remote
// track that delivers them in order, then io.EOF. Each packet has an
// arrival time on the feed's own clock (Wait moves it on); Now is the
// arrival time of the packet read last, so a receiver given Now as its
// clock sees the stream arrive at the pace the test laid out, however
// fast it reads.
type Feed struct {
	pkts [][]byte
	at   []time.Duration
	t    time.Duration // arrival time of the next packet added
	now  time.Duration
}

// origin is the feed clock's zero.
var origin = time.Unix(1_700_000_000, 0)

// Add appends a packet arriving at the current feed time.
func (f *Feed) Add(p *rtp.Packet) {
	b, _ := p.Marshal()
	f.AddRaw(b)
}

// AddRaw appends bytes as they are (malformed packets, duplicates).
func (f *Feed) AddRaw(b []byte) {
	f.pkts = append(f.pkts, b)
	f.at = append(f.at, f.t)
}

// Wait makes the packets added next arrive d later.
func (f *Feed) Wait(d time.Duration) { f.t += d }

// InsertRaw puts bytes before the packet at index i, arriving with it.
func (f *Feed) InsertRaw(i int, b []byte) {
	f.pkts = append(f.pkts[:i], append([][]byte{b}, f.pkts[i:]...)...)
	f.at = append(f.at[:i], append([]time.Duration{f.at[i]}, f.at[i:]...)...)
}

// Read implements media.PacketReader.
func (f *Feed) Read(b []byte) (int, error) {
	if len(f.pkts) == 0 {
		return 0, io.EOF
	}
	n := copy(b, f.pkts[0])
	f.now = f.at[0]
	f.pkts, f.at = f.pkts[1:], f.at[1:]
	return n, nil
}

// Now is the feed's clock: the arrival time of the packet read last.
func (f *Feed) Now() time.Time { return origin.Add(f.now) }
