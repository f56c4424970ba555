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
	padOnly []bool        // the payload is all padding
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
	h := rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: 9000 + uint32(seq/2), SSRC: probeMediaSSRC, Marker: seq%2 == 1}
	if _, err := w.Write(&h, make([]byte, 1000), nil); err != nil {
		t.Fatal(err)
	}
}

func TestProbeBytesClimbsThenHolds(t *testing.T) {
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{{0, 0}, {probeRamp / 2, 7_500}, {probeRamp, 30_000}, {probeRamp + time.Second, 130_000}} {
		if got := probeBytes(800_000, c.at); got != c.want {
			t.Errorf("after %v: %d bytes, want %d", c.at, got, c.want)
		}
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
	seq := uint16(65531) // across the wrap; odd numbers end frames
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
		if log.padOnly[i] && i > 0 && !log.pkts[i-1].Marker && !log.padOnly[i-1] {
			t.Fatalf("padding at packet %d, inside a frame", i)
		}
	}
	want := int(probeBytes(bps, probeFor))
	if got := media + padding; got < want*7/10 || got > want*12/10 {
		t.Errorf("sent %d bytes (%d of them padding) in the probe; want about %d (%d bit/s after a climb of %v, for %v)", got, padding, want, bps, probeRamp, probeFor)
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

func isPaddingOnly(h *rtp.Header, payload []byte) bool {
	return h.Padding && len(payload) > 0 && int(payload[len(payload)-1]) == len(payload)
}
