package livekit

import (
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// The start-up probe. GCC has no probing of its own, and a sender that
// started its full camera layer at the configured rate on a link that
// cannot carry it had to stop that layer a second later, after the server
// had put the receivers on it: they froze for half a second while it moved
// them. Browsers start low and probe: libwebrtc sends short clusters of
// padding at three and six times its start rate.
//
// Here the camera starts with its smallest layer only (StartSmall), and
// for the first probeFor of video the connection tops what it sends up to
// the uplink estimate with padding: RTP packets that are padding only, on
// a video stream's retransmission SSRC, which livekit-server counts in its
// transport-wide feedback and then drops. GCC judges the padding like any
// other packet: on a link slower than the start rate its queue shows
// within a few hundred milliseconds and GCC lowers the estimate, which
// ends the probe at once. Only then does the camera get a target, and the
// layers it starts are ones the link carries.
//
// libwebrtc measures each probe cluster's arrival rate itself; that needs a
// parse of the transport-wide feedback beside GCC's own, and GCC's delay
// trend, which sees the padding, answers the one question asked here: is
// the link slower than the start rate.
const (
	probeFor = time.Second
	// probeTick is how often padding is added; the pacer spreads it.
	probeTick = 5 * time.Millisecond
	// paddingSize is the most one packet carries: RTP's padding length
	// is one byte.
	paddingSize = 255
)

// prober is one connection's interceptor. It sits above the transport-wide
// sequence numbers (so padding gets one and GCC sees it) and below the
// NACK responder, whose retransmissions share the retransmission SSRC with
// the padding: the prober numbers every packet on that SSRC itself, as
// SRTP and the server want one sequence there.
type prober struct {
	interceptor.NoOp
	u *uplink

	mu      sync.Mutex
	streams []*probedStream // video streams with a retransmission SSRC
	started bool
	quit    chan struct{}
	closed  bool
	wg      sync.WaitGroup

	media atomic.Int64 // video bytes sent since the probe started
}

// probedStream is one video stream's retransmission SSRC and the writer
// below the prober.
type probedStream struct {
	ssrc uint32
	pt   uint8
	seq  atomic.Uint32 // the last sequence number used on ssrc
	ts   atomic.Uint32 // the media's last RTP timestamp
	w    interceptor.RTPWriter
}

func (s *probedStream) next() uint16 { return uint16(s.seq.Add(1)) }

type proberFactory struct{ u *uplink }

// NewInterceptor implements interceptor.Factory.
func (f proberFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &prober{u: f.u, quit: make(chan struct{})}, nil
}

// BindLocalStream implements interceptor.Interceptor.
func (p *prober) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if !strings.HasPrefix(strings.ToLower(info.MimeType), "video/") {
		return w
	}
	var rtx *probedStream
	if info.SSRCRetransmission != 0 {
		rtx = &probedStream{ssrc: info.SSRCRetransmission, pt: info.PayloadTypeRetransmission, w: w}
		rtx.seq.Store(rand.Uint32())
		p.mu.Lock()
		p.streams = append(p.streams, rtx)
		p.mu.Unlock()
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if rtx != nil && h.SSRC == rtx.ssrc {
			renumbered := h.Clone()
			renumbered.SequenceNumber = rtx.next()
			return w.Write(&renumbered, payload, a)
		}
		if rtx != nil {
			rtx.ts.Store(h.Timestamp)
		}
		p.media.Add(int64(h.MarshalSize() + len(payload)))
		p.startOnce()
		return w.Write(h, payload, a)
	})
}

// startOnce starts the probe with the connection's first video packet.
func (p *prober) startOnce() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.closed {
		return
	}
	p.started = true
	est := p.u.current()
	if est == nil {
		return
	}
	p.media.Store(0)
	p.wg.Add(1)
	go p.run(est)
}

// run pads for probeFor, or until GCC lowers the estimate, and then tells
// the estimator that the probe is over.
func (p *prober) run(est *pacedVideo) {
	defer p.wg.Done()
	defer est.probed.Store(true)
	start := time.Now()
	tick := time.NewTicker(probeTick)
	defer tick.Stop()
	var padded int64
	for {
		select {
		case <-p.quit:
			return
		case now := <-tick.C:
			if now.Sub(start) >= probeFor || est.lowered.Load() {
				return
			}
			due := est.steered.Load() * int64(now.Sub(start)) / int64(8*time.Second)
			padded += p.pad(due - p.media.Load() - padded)
		}
	}
}

// pad sends about n bytes of padding on the first stream with a
// retransmission SSRC, and says how many it sent.
func (p *prober) pad(n int64) int64 {
	p.mu.Lock()
	var s *probedStream
	if len(p.streams) > 0 {
		s = p.streams[0]
	}
	p.mu.Unlock()
	if s == nil || n < paddingSize {
		return 0
	}
	payload := make([]byte, paddingSize)
	payload[paddingSize-1] = paddingSize
	var sent int64
	for ; n >= paddingSize; n -= paddingSize {
		h := rtp.Header{Version: 2, Padding: true, PayloadType: s.pt, SequenceNumber: s.next(), Timestamp: s.ts.Load(), SSRC: s.ssrc}
		if _, err := s.w.Write(&h, payload, interceptor.Attributes{}); err != nil {
			return sent
		}
		sent += int64(h.MarshalSize() + paddingSize)
	}
	return sent
}

// UnbindLocalStream implements interceptor.Interceptor.
func (p *prober) UnbindLocalStream(info *interceptor.StreamInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, s := range p.streams {
		if s.ssrc == info.SSRCRetransmission {
			p.streams = append(p.streams[:i], p.streams[i+1:]...)
			return
		}
	}
}

// Close implements interceptor.Interceptor, ending the probe.
func (p *prober) Close() error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}
