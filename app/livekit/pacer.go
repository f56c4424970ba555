package livekit

import (
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/rtp"
)

// steeredPacer is pion's leaky-bucket pacer, sending at the rate the
// uplink's policy chose (estimate) rather than GCC's own combined figure.
//
// The leaky bucket ticks every 5 ms from the moment it exists, so it is
// made when the first video stream is added: a connection that sends no
// video (every subscriber connection, a publisher with the camera off)
// has no pacer waking the process 200 times a second.
type steeredPacer struct {
	sent atomic.Int64 // bytes handed to the network

	mu     sync.Mutex
	rate   int // bit/s: the start, then the last steer's, for a bucket made after it
	closed bool
	bucket atomic.Pointer[gcc.LeakyBucketPacer]
}

// SetTargetBitrate implements gcc.Pacer: GCC's figure is not the one used.
func (*steeredPacer) SetTargetBitrate(int) {}

func (p *steeredPacer) steer(bps int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = bps
	if b := p.bucket.Load(); b != nil {
		b.SetTargetBitrate(bps)
	}
}

// AddStream implements gcc.Pacer, making the bucket for the first stream.
// A write that fails (the connection closed under the pacer's queue) is
// not an error worth the pacer's log line on stderr for every queued
// packet.
func (p *steeredPacer) AddStream(ssrc uint32, w interceptor.RTPWriter) {
	b := p.makeBucket()
	if b == nil {
		return
	}
	b.AddStream(ssrc, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
		n, _ := w.Write(h, payload, a)
		p.sent.Add(int64(n))
		return n, nil
	}))
}

// makeBucket returns the bucket, made at the rate last steered to; nil
// once closed.
func (p *steeredPacer) makeBucket() *gcc.LeakyBucketPacer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if b := p.bucket.Load(); b != nil {
		return b
	}
	b := gcc.NewLeakyBucketPacer(p.rate)
	p.bucket.Store(b)
	return b
}

// Write implements gcc.Pacer. GCC hands it only packets of a stream it
// added, so the bucket exists; a packet before any is dropped.
func (p *steeredPacer) Write(h *rtp.Header, payload []byte, a interceptor.Attributes) (int, error) {
	if b := p.bucket.Load(); b != nil {
		return b.Write(h, payload, a)
	}
	return 0, nil
}

// Close implements gcc.Pacer.
func (p *steeredPacer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if b := p.bucket.Load(); b != nil {
		return b.Close()
	}
	return nil
}
