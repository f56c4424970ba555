package livekit

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

// steeredPacer paces video out at the rate the uplink's policy chose
// (estimate) rather than GCC's own combined figure, through a paceQueue
// (bucket.go says why not pion's LeakyBucketPacer).
//
// Its goroutine starts with the first video stream and sleeps while the
// queue is empty: a connection that sends no video (every subscriber
// connection, a publisher with the camera off) has no pacer waking the
// process.
//
// It numbers what it sends with transport-wide sequence numbers as the
// packets leave, as libwebrtc's packet router does, rather than as they
// come in (pion's twcc.HeaderExtensionInterceptor): a packet the queue
// drops (a retransmission gone stale, one of a stream that ended) then
// leaves no gap in the numbers, which the server's feedback would report
// as lost and GCC would count as the link's loss. Numbered on the way in,
// behind a 600 kbit/s cap the retransmissions of the first seconds' drops,
// gone stale in the queue, held GCC's loss-based estimate at its 100 kbit/s
// floor for 5–8 s after the link had stopped dropping.
type steeredPacer struct {
	sent   atomic.Int64 // bytes handed to the network
	resent atomic.Int64 // of which retransmissions
	// transportSeq is the next transport-wide sequence number; the
	// goroutine's alone.
	transportSeq uint16

	mu      sync.Mutex
	q       *paceQueue
	outlets map[uint32]outlet // per SSRC: where its packets go
	drained map[uint32]func() // per SSRC: what endStream waits to call
	ended   map[uint32]bool   // streams ended by endStream, until a new packet
	running bool
	closed  bool
	wake    chan struct{} // a packet came to an empty queue, or closed
	done    chan struct{} // the goroutine has ended
}

func newSteeredPacer(bps int) *steeredPacer {
	return &steeredPacer{
		q:       newPaceQueue(bps, time.Now()),
		outlets: map[uint32]outlet{},
		drained: map[uint32]func(){},
		ended:   map[uint32]bool{},
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
	}
}

// SetTargetBitrate implements gcc.Pacer: GCC's figure is not the one used.
func (*steeredPacer) SetTargetBitrate(int) {}

func (p *steeredPacer) steer(bps int) {
	p.mu.Lock()
	p.q.setRate(bps)
	p.mu.Unlock()
}

// numberWith has ssrc's packets carry a transport-wide sequence number in
// the header extension id as they leave. Called before AddStream.
func (p *steeredPacer) numberWith(ssrc uint32, id uint8) {
	p.mu.Lock()
	o := p.outlets[ssrc]
	o.twccID = id
	p.outlets[ssrc] = o
	p.mu.Unlock()
}

// AddStream implements gcc.Pacer, starting the goroutine for the first.
func (p *steeredPacer) AddStream(ssrc uint32, w interceptor.RTPWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	o := p.outlets[ssrc]
	o.w = w
	p.outlets[ssrc] = o
	if !p.running {
		p.running = true
		go p.run()
	}
}

// Write implements gcc.Pacer: the packet is copied and queued. GCC hands
// it only packets of a stream it added.
func (p *steeredPacer) Write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, nil
	}
	if p.ended[h.SSRC] {
		if p.q.isResend(h) {
			p.mu.Unlock()
			return h.MarshalSize() + len(payload), nil // its receivers have moved
		}
		delete(p.ended, h.SSRC)
	}
	pkt := queued{header: h.Clone(), payload: append([]byte(nil), payload...), attr: a, at: time.Now()}
	wasEmpty := len(p.q.packets) == 0
	p.q.push(pkt)
	p.mu.Unlock()
	if wasEmpty {
		select {
		case p.wake <- struct{}{}:
		default:
		}
	}
	return h.MarshalSize() + len(payload), nil
}

// run sends what is due, then sleeps until the next packet may go or one
// comes to an empty queue. Writes happen outside the lock.
func (p *steeredPacer) run() {
	defer close(p.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		out, wait := p.q.due(time.Now())
		outs := p.outletsOf(out)
		ready := p.takeDrained()
		p.mu.Unlock()
		p.send(out, outs)
		for _, f := range ready {
			f()
		}
		if wait == 0 {
			<-p.wake
			continue
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-p.wake:
		}
	}
}

// endStream says that a stream has ended (a simulcast layer stopped):
// retransmissions of it are dropped from now on, since its receivers are
// being moved to another layer, until it sends a new packet; and f is
// called once none of its packets waits here: at once when none does, or
// from the pacer's goroutine after the last one has gone, so that the
// stream's goodbye does not overtake its last packets (goodbye.go). A later
// call for the same stream replaces an earlier one's f.
func (p *steeredPacer) endStream(ssrc uint32, f func()) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.ended[ssrc] = true
	if p.q.holdsStream(ssrc) {
		p.drained[ssrc] = f
		p.mu.Unlock()
		return
	}
	delete(p.drained, ssrc)
	p.mu.Unlock()
	f()
}

// takeDrained takes what endStream left for streams of which nothing
// waits any more. p.mu held.
func (p *steeredPacer) takeDrained() []func() {
	var ready []func()
	for ssrc, f := range p.drained {
		if !p.q.holdsStream(ssrc) {
			ready = append(ready, f)
			delete(p.drained, ssrc)
		}
	}
	return ready
}

// outlet is where a stream's packets go: its writer (nil before
// AddStream) and the ID of the transport-wide sequence extension to number
// them in (0: none).
type outlet struct {
	w      interceptor.RTPWriter
	twccID uint8
}

// outletsOf finds each packet's outlet. p.mu held.
func (p *steeredPacer) outletsOf(out []queued) []outlet {
	outs := make([]outlet, len(out))
	for i := range out {
		outs[i] = p.outlets[out[i].header.SSRC]
	}
	return outs
}

// send numbers packets and writes them to their streams, counting the
// bytes in sent. A write that fails (the connection closed under the
// queue) is not worth a log line per packet. The goroutine's alone.
func (p *steeredPacer) send(out []queued, outs []outlet) {
	for i := range out {
		o := outs[i]
		if o.w == nil {
			continue
		}
		if o.twccID != 0 {
			ext, _ := (&rtp.TransportCCExtension{TransportSequence: p.transportSeq}).Marshal()
			if out[i].header.SetExtension(o.twccID, ext) != nil {
				continue
			}
			p.transportSeq++
		}
		n, _ := o.w.Write(&out[i].header, out[i].payload, out[i].attr)
		p.sent.Add(int64(n))
		if out[i].resend {
			p.resent.Add(int64(n))
		}
	}
}

// Close implements gcc.Pacer, ending the goroutine.
func (p *steeredPacer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	running := p.running
	p.mu.Unlock()
	if running {
		select {
		case p.wake <- struct{}{}:
		default:
		}
		<-p.done
	}
	return nil
}
