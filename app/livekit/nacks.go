package livekit

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// nackCounter counts the packets this participant asks to be sent again,
// per media SSRC, as the SDK's NACK generator writes its requests. It is
// an interceptor that only watches: the stats of a receive pipeline read
// it for their track.
type nackCounter struct {
	mu     sync.Mutex
	bySSRC map[uint32]*atomic.Int64
}

func newNackCounter() *nackCounter { return &nackCounter{bySSRC: map[uint32]*atomic.Int64{}} }

// counter is the count of one SSRC, made on first use.
func (n *nackCounter) counter(ssrc uint32) *atomic.Int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.bySSRC[ssrc]
	if c == nil {
		c = new(atomic.Int64)
		n.bySSRC[ssrc] = c
	}
	return c
}

// NewInterceptor implements interceptor.Factory.
func (n *nackCounter) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &nackTap{n: n}, nil
}

type nackTap struct {
	interceptor.NoOp
	n *nackCounter
}

// BindRTCPWriter counts the NACKs on their way out.
func (t *nackTap) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	return interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, a interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if nack, ok := p.(*rtcp.TransportLayerNack); ok {
				t.n.counter(nack.MediaSSRC).Add(int64(nackedPackets(nack)))
			}
		}
		return w.Write(pkts, a)
	})
}

// nackedPackets is how many packets a NACK asks for: each pair names one
// and a bitmask of the 16 after it.
func nackedPackets(n *rtcp.TransportLayerNack) int {
	total := 0
	for _, p := range n.Nacks {
		total += 1 + bits.OnesCount16(uint16(p.LostPackets))
	}
	return total
}
