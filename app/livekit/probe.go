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
// a rate that climbs to the uplink estimate in probeRamp and stays there,
// with padding: RTP packets that are padding only,
// which livekit-server counts in its transport-wide feedback and then
// drops, closing the gap they leave in the sequence for the receivers. GCC
// judges the padding like any other packet: on a link slower than the
// start rate its queue grows within a few hundred milliseconds and GCC
// lowers the estimate, which ends the probe at once. The climb is what
// lets it see that: at once at the full rate, a 300 kbit/s link's queue
// was full within 60 ms, and a full queue's delay stops growing, so GCC's
// delay trend saw nothing while the link dropped packets. Only then does the
// camera get a target, and the layers it starts are ones the link carries.
//
// libwebrtc measures each probe cluster's arrival rate itself; that needs a
// parse of the transport-wide feedback beside GCC's own, and GCC's delay
// trend, which sees the padding, answers the one question asked here: is
// the link slower than the start rate.
const (
	probeFor  = time.Second
	probeRamp = 600 * time.Millisecond
	// probeTick is how often padding is added; the pacer spreads it.
	probeTick = 5 * time.Millisecond
	// paddingSize is the most one packet carries: RTP's padding length
	// is one byte.
	paddingSize = 255
)

// prober is one connection's interceptor. Confer publishes without a
// retransmission SSRC (the README says why), so padding goes on a
// media SSRC, in its sequence and between frames, as libwebrtc sends it
// without one: the prober numbers its video streams' packets itself. It
// sits above the NACK responder, which so keeps the numbers the server
// asks for and resends a lost padding packet like any other: the server
// must have every number to close the gaps for its receivers.
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
	ended  bool          // the last media packet ended a frame; under prober.mu
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
	s.seq, s.ts, s.ended = h.SequenceNumber, h.Timestamp, h.Marker
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
			if now.Sub(start) >= probeFor || est.gccLowered() {
				return
			}
			padded += p.pad(probeBytes(est.steered.Load(), now.Sub(start)) - padded)
		}
	}
}

// probeBytes is what the probe has sent after elapsed at a rate that
// climbs to bps over probeRamp and then holds.
func probeBytes(bps int64, elapsed time.Duration) int64 {
	ramp := min(elapsed, probeRamp).Seconds()
	bits := float64(bps) * (ramp*ramp/(2*probeRamp.Seconds()) + (elapsed - min(elapsed, probeRamp)).Seconds())
	return int64(bits / 8)
}

// pad writes what is missing of want bytes (media and padding since the
// probe started), and says how much padding it wrote. It waits for the
// end of a frame: padding inside one would split its packets' numbers.
func (p *prober) pad(want int64) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.padOn
	if s == nil || p.closed || !s.ended {
		return 0
	}
	payload := make([]byte, paddingSize)
	payload[paddingSize-1] = paddingSize
	var sent int64
	for want-p.media-sent >= paddingSize {
		s.offset.Add(1)
		s.seq++
		h := rtp.Header{Version: 2, Padding: true, PayloadType: s.pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}
		if _, err := s.w.Write(&h, payload, nil); err != nil {
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
