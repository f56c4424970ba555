package livekit

import (
	"sync"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// rtcpTaps hands the RTCP that names a published SSRC to that track's
// handler, as the packets are read. A track whose RTCP the SDK reads and
// drops (the microphone's redTrack) learns its receiver reports here.
type rtcpTaps struct {
	mu       sync.Mutex
	handlers map[uint32]func(rtcp.Packet)
}

func newRTCPTaps() *rtcpTaps { return &rtcpTaps{handlers: map[uint32]func(rtcp.Packet){}} }

// set gives ssrc its handler; nil takes it away.
func (t *rtcpTaps) set(ssrc uint32, h func(rtcp.Packet)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if h == nil {
		delete(t.handlers, ssrc)
		return
	}
	t.handlers[ssrc] = h
}

func (t *rtcpTaps) handler(ssrc uint32) func(rtcp.Packet) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.handlers[ssrc]
}

// NewInterceptor implements interceptor.Factory.
func (t *rtcpTaps) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &rtcpTap{taps: t}, nil
}

type rtcpTap struct {
	interceptor.NoOp
	taps *rtcpTaps
}

// BindRTCPReader passes each packet read to the handler of every SSRC it
// names. Handlers run on the reading goroutine, with no lock held.
func (r *rtcpTap) BindRTCPReader(reader interceptor.RTCPReader) interceptor.RTCPReader {
	return interceptor.RTCPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := reader.Read(b, a)
		if err != nil {
			return n, attr, err
		}
		if attr == nil {
			attr = interceptor.Attributes{}
		}
		pkts, err := attr.GetRTCPPackets(b[:n])
		if err != nil {
			return n, attr, err
		}
		for _, p := range pkts {
			for _, ssrc := range p.DestinationSSRC() {
				if h := r.taps.handler(ssrc); h != nil {
					h(p)
				}
			}
		}
		return n, attr, nil
	})
}
