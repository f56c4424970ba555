package livekit

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

const probeMediaSSRC = 1111

// wireLog records what a prober writes below itself.
type wireLog struct {
	mu      sync.Mutex
	pkts    []rtp.Header
	sizes   []int
	padOnly []bool // the payload is all padding
	padding chan struct{} // closed at the first padding packet
	once    sync.Once
}

func (l *wireLog) Write(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pkts = append(l.pkts, h.Clone())
	l.sizes = append(l.sizes, h.MarshalSize()+len(payload))
	l.padOnly = append(l.padOnly, isPaddingOnly(h, payload))
	if isPaddingOnly(h, payload) {
		l.once.Do(func() { close(l.padding) })
	}
	return h.MarshalSize() + len(payload), nil
}

// paddingBytes is the padding written so far, in bytes on the wire.
func (l *wireLog) paddingBytes() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for i := range l.pkts {
		if l.padOnly[i] {
			n += l.sizes[i]
		}
	}
	return n
}

// newProbed binds a video stream to a prober whose uplink estimate is
// bps.
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
	w := p.BindLocalStream(&interceptor.StreamInfo{SSRC: probeMediaSSRC, PayloadType: 96, MimeType: "video/VP8"}, log)
	t.Cleanup(func() { _ = p.Close() })
	return p, est, w, log
}

func sendMedia(t *testing.T, w interceptor.RTPWriter, seq uint16) {
	t.Helper()
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: 9000 + uint32(seq), SSRC: probeMediaSSRC}
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
// sends up to the estimate for probeFor, in the media's sequence: media
// and padding together number one after the other.
func TestProbePadsUpToTheEstimate(t *testing.T) {
	const bps = 800_000
	p, est, w, log := newProbed(t, bps)
	if est.probed.Load() {
		t.Fatal("probed before any video was sent")
	}
	seq := uint16(65530) // across the wrap
	sendMedia(t, w, seq)
	<-log.padding
	for !p.done.Load() {
		seq++
		sendMedia(t, w, seq)
		time.Sleep(20 * time.Millisecond)
	}
	waitProbed(t, est, 5*time.Second)
	for range 3 {
		seq++
		sendMedia(t, w, seq) // after the probe, on the fast path
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	media, padding := 0, 0
	for i, h := range log.pkts {
		if log.padOnly[i] {
			padding += log.sizes[i]
			if h.PayloadType != 96 || h.SSRC != probeMediaSSRC {
				t.Fatalf("padding %+v: want the media's SSRC and payload type", h)
			}
		} else {
			media += log.sizes[i]
		}
		if i > 0 && h.SequenceNumber != log.pkts[i-1].SequenceNumber+1 {
			t.Fatalf("packet %d is numbered %d after %d", i, h.SequenceNumber, log.pkts[i-1].SequenceNumber)
		}
	}
	want := bps / 8 * int(probeFor/time.Millisecond) / 1000
	if got := media + padding; got < want*7/10 || got > want*12/10 {
		t.Errorf("sent %d bytes (%d of them padding) in the probe; want about %d (%d bit/s for %v)", got, padding, want, bps, probeFor)
	}
}

// The NACK responder's copy of a padding packet is not sent again; the
// prober's padding and all media pass.
func TestPaddingFilterDropsResentPadding(t *testing.T) {
	log := &wireLog{padding: make(chan struct{})}
	f, _ := paddingFilterFactory{}.NewInterceptor("")
	w := f.BindLocalStream(&interceptor.StreamInfo{SSRC: probeMediaSSRC, MimeType: "video/VP8"}, log)
	pad := make([]byte, paddingSize)
	pad[paddingSize-1] = paddingSize
	h := rtp.Header{Version: 2, Padding: true, SSRC: probeMediaSSRC, SequenceNumber: 1}
	if _, err := w.Write(&h, pad, interceptor.Attributes{paddingKey{}: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(&h, pad, interceptor.Attributes{}); err != nil { // the responder's
		t.Fatal(err)
	}
	media := rtp.Header{Version: 2, Padding: true, SSRC: probeMediaSSRC, SequenceNumber: 2}
	if _, err := w.Write(&media, []byte{1, 2, 3, 4, 2}, nil); err != nil { // padded media
		t.Fatal(err)
	}
	if len(log.pkts) != 2 || log.pkts[1].SequenceNumber != 2 {
		t.Fatalf("wrote %d packets; want the marked padding and the media", len(log.pkts))
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
