package jitter

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// BenchmarkPush: one op is one packet pushed and the frames it completes
// popped, on a clean 30 fps stream of 1–4 packets a frame (1200 bytes
// each). Steady state must not allocate.
func BenchmarkPush(b *testing.B) {
	for _, v := range []struct {
		name   string
		layers int
	}{{"picture-ids", 1}, {"temporal-2", 2}} {
		b.Run(v.name, func(b *testing.B) {
			h := newHarness(b, Config{})
			s := newSender(1, true, v.layers)
			s.chunk = 1200
			frames := makeFrames(h, s, 300) // frame 0 is a keyframe: every lap restarts cleanly
			var pkts []rtp.Packet
			for _, f := range frames {
				pkts = append(pkts, f.pkts...)
			}
			buf := New(Config{})
			var p rtp.Packet
			now := t0
			lap := uint16(len(pkts))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				k := i % len(pkts)
				p = pkts[k]
				p.SequenceNumber += uint16(i/len(pkts)) * lap
				p.Timestamp += uint32(i/len(pkts)) * 900000
				now = now.Add(300 * time.Microsecond)
				buf.Push(&p, now)
				for {
					if _, ok := buf.Pop(now); !ok {
						break
					}
				}
			}
			st := buf.Stats()
			if st.FramesSkipped != 0 || st.PacketsLate != 0 {
				b.Fatalf("stats %+v", st)
			}
		})
	}
}
