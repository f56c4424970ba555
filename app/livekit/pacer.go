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
type steeredPacer struct {
	sent atomic.Int64 // bytes handed to the network

	mu      sync.Mutex
	q       *paceQueue
	writers map[uint32]interceptor.RTPWriter
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
		writers: map[uint32]interceptor.RTPWriter{},
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

// AddStream implements gcc.Pacer, starting the goroutine for the first.
func (p *steeredPacer) AddStream(ssrc uint32, w interceptor.RTPWriter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.writers[ssrc] = w
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
		ws := p.writersOf(out)
		ready := p.takeDrained()
		p.mu.Unlock()
		send(out, ws, &p.sent)
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

// writersOf finds each packet's stream writer (nil: none). p.mu held.
func (p *steeredPacer) writersOf(out []queued) []interceptor.RTPWriter {
	ws := make([]interceptor.RTPWriter, len(out))
	for i := range out {
		ws[i] = p.writers[out[i].header.SSRC]
	}
	return ws
}

// send writes packets to their streams, counting the bytes in sent. A
// write that fails (the connection closed under the queue) is not worth a
// log line per packet.
func send(out []queued, ws []interceptor.RTPWriter, sent *atomic.Int64) {
	for i := range out {
		if ws[i] == nil {
			continue
		}
		n, _ := ws[i].Write(&out[i].header, out[i].payload, out[i].attr)
		sent.Add(int64(n))
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
