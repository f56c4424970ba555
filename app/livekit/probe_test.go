package livekit

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

const (
	probeMediaSSRC = 1111
	probeRTXSSRC   = 2222
)

// wireLog records what a prober writes below itself.
type wireLog struct {
	mu      sync.Mutex
	pkts    []rtp.Header
	sizes   []int
	padding chan struct{} // closed at the first padding packet
	once    sync.Once
}

func (l *wireLog) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if h.Padding && len(payload) > 0 && int(payload[len(payload)-1]) != len(payload) {
		panic("padding length byte does not cover the payload")
	}
	l.pkts = append(l.pkts, h.Clone())
	l.sizes = append(l.sizes, h.MarshalSize()+len(payload))
	if h.Padding {
		l.once.Do(func() { close(l.padding) })
	}
	return h.MarshalSize() + len(payload), nil
}

// paddingBytes is the padding written so far, in bytes on the wire.
func (l *wireLog) paddingBytes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for i, h := range l.pkts {
		if h.Padding {
			n += l.sizes[i]
		}
	}
	return n
}

// newProbed binds a video stream with a retransmission SSRC to a prober
// whose uplink estimate is bps.
func newProbed(t *testing.T, bps int) (*prober, *pacedVideo, interceptor.RTPWriter, *wireLog) {
	t.Helper()
	u := &uplink{initial: bps}
	est := &pacedVideo{u: u}
	est.steered.Store(int64(bps))
	u.use(est)
	i, err := proberFactory{u}.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	p := i.(*prober)
	log := &wireLog{padding: make(chan struct{})}
	w := p.BindLocalStream(&interceptor.StreamInfo{
		SSRC: probeMediaSSRC, SSRCRetransmission: probeRTXSSRC, PayloadTypeRetransmission: 97, MimeType: "video/VP8",
	}, log)
	t.Cleanup(func() { _ = p.Close() })
	return p, est, w, log
}

func sendMedia(t *testing.T, w interceptor.RTPWriter, seq uint16) {
	t.Helper()
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: 9000, SSRC: probeMediaSSRC}
	if _, err := w.Write(&h, make([]byte, 1000), nil); err != nil {
		t.Fatal(err)
	}
}

func waitProbed(t *testing.T, est *pacedVideo, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for !est.probed.Load() {
		if time.Since(start) > within {
			t.Fatalf("the probe has not ended after %v", within)
		}
		time.Sleep(probeTick)
	}
	return time.Since(start)
}

// The first video packet starts a probe that pads what the connection
// sends up to the estimate for probeFor, on the retransmission SSRC, in
// one sequence of numbers shared with the retransmissions.
func TestProbePadsUpToTheEstimate(t *testing.T) {
	const bps = 800_000
	_, est, w, log := newProbed(t, bps)
	if est.probed.Load() {
		t.Fatal("probed before any video was sent")
	}
	sendMedia(t, w, 100)
	<-log.padding
	// A retransmission the NACK responder writes, with its own number.
	rtx := rtp.Header{Version: 2, PayloadType: 97, SequenceNumber: 7, SSRC: probeRTXSSRC}
	if _, err := w.Write(&rtx, make([]byte, 1002), nil); err != nil {
		t.Fatal(err)
	}
	waitProbed(t, est, 5*time.Second)

	want := bps / 8 * int(probeFor/time.Millisecond) / 1000
	if got := log.paddingBytes(); got < want*6/10 || got > want*12/10 {
		t.Errorf("padded %d bytes in the probe; want about %d (%d bit/s for %v)", got, want, bps, probeFor)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	var last uint16
	n := 0
	for _, h := range log.pkts {
		if h.SSRC != probeRTXSSRC {
			continue
		}
		if h.Padding && (h.PayloadType != 97 || h.Timestamp != 9000) {
			t.Fatalf("padding %+v: want payload type 97 and the media's timestamp", h)
		}
		if n > 0 && h.SequenceNumber != last+1 {
			t.Fatalf("sequence on the retransmission SSRC jumps from %d to %d", last, h.SequenceNumber)
		}
		last = h.SequenceNumber
		n++
	}
}

// GCC lowering the estimate ends the probe at once: the link's limit is
// found.
func TestProbeEndsWhenTheEstimateFalls(t *testing.T) {
	_, est, w, log := newProbed(t, 800_000)
	sendMedia(t, w, 1)
	<-log.padding
	est.lowered.Store(true)
	if took := waitProbed(t, est, 5*time.Second); took >= probeFor {
		t.Errorf("the probe went on for %v after the estimate fell", took)
	}
}

// Close ends a probe under way and waits for its goroutine.
func TestProbeCloseEndsIt(t *testing.T) {
	p, est, w, log := newProbed(t, 800_000)
	sendMedia(t, w, 1)
	<-log.padding
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if !est.probed.Load() {
		t.Error("the probe's goroutine has not ended with Close")
	}
	before := log.paddingBytes()
	sendMedia(t, w, 2)
	if log.paddingBytes() != before {
		t.Error("padding after Close")
	}
}

// Audio and streams without retransmissions pass untouched.
func TestProbeLeavesAudioAlone(t *testing.T) {
	u := &uplink{initial: 800_000}
	p := &prober{u: u, quit: make(chan struct{})}
	log := &wireLog{padding: make(chan struct{})}
	w := p.BindLocalStream(&interceptor.StreamInfo{SSRC: 5, MimeType: "audio/opus"}, log)
	if w != interceptor.RTPWriter(log) {
		t.Error("an audio stream's writer is wrapped")
	}
}
