package livekit

import (
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
// the uplink estimate with padding: RTP packets that are padding only,
// which livekit-server counts in its transport-wide feedback and then
// drops, closing the gap they leave in the sequence for the receivers. GCC
// judges the padding like any other packet: on a link slower than the
// start rate its queue shows within a few hundred milliseconds and GCC
// lowers the estimate, which ends the probe at once. Only then does the
// camera get a target, and the layers it starts are ones the link carries.
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

// paddingKey marks the prober's own padding writes (see paddingFilter).
type paddingKey struct{}

// prober is one connection's interceptor. Confer's publisher has no
// retransmission SSRC (LiveKit's SDK offers none), so padding goes on a
// media SSRC, in its sequence, as libwebrtc sends it without one: the
// prober numbers its video streams' packets itself. It sits above the NACK
// responder, which so keeps the numbers the server asks for; a
// paddingFilter below the responder drops the padding it would resend.
type prober struct {
	interceptor.NoOp
	u    *uplink
	done atomic.Bool // the probe is over: no more padding, numbers fixed

	mu      sync.Mutex // held from numbering a packet until it is written
	padOn   *probedStream
	started bool
	closed  bool
	quit    chan struct{}
	wg      sync.WaitGroup
	media   int64 // video bytes written since the probe started
}

// probedStream is one video stream's numbering.
type probedStream struct {
	ssrc   uint32
	pt     uint8
	offset atomic.Uint32 // padding packets written on ssrc (mod 2^16)
	seq    uint16        // the last number written; under prober.mu
	ts     uint32        // the media's last RTP timestamp; under prober.mu
	w      interceptor.RTPWriter
}

type proberFactory struct{ u *uplink }

// NewInterceptor implements interceptor.Factory.
func (f proberFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &prober{u: f.u, quit: make(chan struct{})}, nil
}

// BindLocalStream implements interceptor.Interceptor.
func (p *prober) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if !isVideo(info) {
		return w
	}
	s := &probedStream{ssrc: info.SSRC, pt: info.PayloadType, w: w}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if h.SSRC != s.ssrc {
			return w.Write(h, payload, a)
		}
		if p.done.Load() {
			h.SequenceNumber += uint16(s.offset.Load())
			return w.Write(h, payload, a)
		}
		return p.writeMedia(s, h, payload, a)
	})
}

func isVideo(info *interceptor.StreamInfo) bool {
	return strings.HasPrefix(strings.ToLower(info.MimeType), "video/")
}

// writeMedia numbers and writes a media packet while padding may come
// between packets, starting the probe with the connection's first.
func (p *prober) writeMedia(s *probedStream, h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.start(s)
	}
	h.SequenceNumber += uint16(s.offset.Load())
	s.seq, s.ts = h.SequenceNumber, h.Timestamp
	p.media += int64(h.MarshalSize() + len(payload))
	return s.w.Write(h, payload, a)
}

// start starts the probe on s. p.mu held.
func (p *prober) start(s *probedStream) {
	p.started = true
	est := p.u.current()
	if est == nil || p.closed {
		p.done.Store(true)
		return
	}
	p.padOn = s
	p.wg.Add(1)
	go p.run(est)
}

// run pads for probeFor, or until GCC lowers the estimate, and then tells
// the estimator that the probe is over.
func (p *prober) run(est *pacedVideo) {
	defer p.wg.Done()
	defer est.probed.Store(true)
	defer p.done.Store(true)
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
			padded += p.pad(due - padded)
		}
	}
}

// pad writes what is missing of want bytes (media and padding since the
// probe started), and says how much padding it wrote.
func (p *prober) pad(want int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.padOn
	if s == nil || p.closed {
		return 0
	}
	payload := make([]byte, paddingSize)
	payload[paddingSize-1] = paddingSize
	var sent int64
	for want-p.media-sent >= paddingSize {
		s.offset.Add(1)
		s.seq++
		h := rtp.Header{Version: 2, Padding: true, PayloadType: s.pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}
		if _, err := s.w.Write(&h, payload, interceptor.Attributes{paddingKey{}: true}); err != nil {
			break
		}
		sent += int64(h.MarshalSize() + paddingSize)
	}
	return sent
}

// UnbindLocalStream implements interceptor.Interceptor.
func (p *prober) UnbindLocalStream(info *interceptor.StreamInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.padOn != nil && p.padOn.ssrc == info.SSRC {
		p.padOn = nil
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

// paddingFilter sits just below the NACK responder and drops the padding
// it resends when the server asks for a lost packet that was padding: it
// would be dropped again on arrival, and the link that lost it is the
// one the probe found too slow. The prober's own padding is marked.
type paddingFilter struct{ interceptor.NoOp }

type paddingFilterFactory struct{}

// NewInterceptor implements interceptor.Factory.
func (paddingFilterFactory) NewInterceptor(string) (interceptor.Interceptor, error) {
	return &paddingFilter{}, nil
}

// BindLocalStream implements interceptor.Interceptor.
func (*paddingFilter) BindLocalStream(info *interceptor.StreamInfo, w interceptor.RTPWriter) interceptor.RTPWriter {
	if !isVideo(info) {
		return w
	}
	return interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		if isPaddingOnly(h, payload) && a[paddingKey{}] == nil {
			return len(payload), nil
		}
		return w.Write(h, payload, a)
	})
}

func isPaddingOnly(h *rtp.Header, payload []byte) bool {
	return h.Padding && len(payload) > 0 && int(payload[len(payload)-1]) == len(payload)
}
