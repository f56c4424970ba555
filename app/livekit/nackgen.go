package livekit

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/livekit/mediatransportutil/pkg/nack"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
)

// The NACK generator's timing. LiveKit's queue (mediatransportutil's,
// which its SDK and server use) repeats a request after a round trip, a
// little longer each time; Confer changes two things.
//
//   - nackMinInterval: a gap is asked for as soon as it is seen, as
//     libwebrtc does; a packet merely reordered costs one needless
//     retransmission. The queue's default waits 20 ms.
//   - nackTick: how often pending requests are looked at between packets.
//     The SDK's generator looked only when a packet came, and video comes
//     a frame at a time: a request due 20 ms after a gap went with the
//     next frame, 33 ms later, and one for a frame's last packet (seen
//     missing only at the next frame) a frame after that. At 10 % loss a
//     fifth of the frames were 35 or 70 ms late (`make bench`, netbad).
const (
	nackMinInterval = 0
	nackTick        = 5 * time.Millisecond
)

// rtpFixedHeader is the RTP header's fixed part, which holds the sequence
// number (bytes 2–3). Read there, a packet costs the generator no header
// parse and no attributes map.
const rtpFixedHeader = 12

// maxNacks is how many missing numbers the queue keeps (nackParams'),
// read once rather than per packet.
var maxNacks = nackParams().MaxNacks

// nackParams are the queue's defaults with Confer's floor.
func nackParams() nack.NackQueueParams {
	p := nack.NackQueueParamsDefault
	p.MinInterval = nackMinInterval
	return p
}

// nackGenerators makes one nackGenerator per peer connection and hands
// them the round trip as the RTT interceptors measure it.
type nackGenerators struct {
	mu       sync.Mutex
	gens     []*nackGenerator
	reported bool   // an RTT interceptor has measured the round trip
	rtt      uint32 // the last round trip given, ms; 0 while unknown
}

// NewInterceptor implements interceptor.Factory.
func (f *nackGenerators) NewInterceptor(string) (interceptor.Interceptor, error) {
	g := newNackGenerator()
	f.mu.Lock()
	g.rtt = f.rtt // a connection made later (a rejoin) starts from what is known
	f.gens = append(f.gens, g)
	f.mu.Unlock()
	return g, nil
}

// SetRTT gives every generator the round trip to the server, in ms, as
// receiver or extended reports measured it.
func (f *nackGenerators) SetRTT(rtt uint32) {
	f.mu.Lock()
	f.reported, f.rtt = true, rtt
	gens := append([]*nackGenerator(nil), f.gens...)
	f.mu.Unlock()
	for _, g := range gens {
		g.setRTT(rtt)
	}
}

// Seed gives the generators a round trip measured otherwise (the ICE
// checks') until the reports give theirs. The reports take a second or
// so to come, and until then LiveKit's queue repeats a request every 70
// ms (its default RTT): on a link of a few milliseconds, a frame whose
// retransmission was lost as well waited 70 ms for the next one and, lost
// twice, 160 ms, past what the jitter buffer holds a frame for before it
// has measured any repair, and the picture froze for a keyframe.
func (f *nackGenerators) Seed(rttMs uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reported || rttMs == 0 {
		return
	}
	// Under f.mu, so that a report cannot come between the check and
	// the seed and be overwritten (generators never take f.mu).
	f.rtt = rttMs
	for _, g := range f.gens {
		g.setRTT(rttMs)
	}
}

// nackGenerator asks again (RTCP NACK) for the packets missing from each
// remote stream that negotiated NACK: when a packet shows a gap, and
// every nackTick while any request is pending.
type nackGenerator struct {
	interceptor.NoOp
	mu      sync.Mutex
	writer  interceptor.RTCPWriter
	streams map[uint32]nack.NackQueueInterface
	rtt     uint32
	ticking bool

	wake chan struct{}
	quit chan struct{}
	done sync.WaitGroup
	once sync.Once
}

func newNackGenerator() *nackGenerator {
	return &nackGenerator{
		streams: map[uint32]nack.NackQueueInterface{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
	}
}

// BindRTCPWriter keeps the writer the requests go out on.
func (g *nackGenerator) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	g.mu.Lock()
	g.writer = w
	g.mu.Unlock()
	return w
}

// BindRemoteStream watches a stream's sequence numbers for gaps.
func (g *nackGenerator) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if !negotiatedNack(info) {
		return r
	}
	q := nack.NewNACKQueueSafe(nackParams())
	g.mu.Lock()
	if g.rtt > 0 {
		q.SetRTT(g.rtt)
	}
	g.streams[info.SSRC] = q
	if !g.ticking {
		g.ticking = true
		g.done.Add(1)
		go g.tickLoop()
	}
	g.mu.Unlock()
	gaps := &gapFinder{}
	ssrc := info.SSRC
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, attr, err := r.Read(b, a)
		if err != nil || n < rtpFixedHeader {
			return n, attr, err
		}
		if gaps.add(q, binary.BigEndian.Uint16(b[2:4])) {
			g.poke()
		}
		g.send(ssrc, q)
		return n, attr, nil
	})
}

// UnbindRemoteStream forgets a stream.
func (g *nackGenerator) UnbindRemoteStream(info *interceptor.StreamInfo) {
	g.mu.Lock()
	delete(g.streams, info.SSRC)
	g.mu.Unlock()
}

// Close ends the ticking goroutine.
func (g *nackGenerator) Close() error {
	g.once.Do(func() { close(g.quit) })
	g.done.Wait()
	return nil
}

func (g *nackGenerator) setRTT(rtt uint32) {
	g.mu.Lock()
	g.rtt = rtt
	qs := g.queues()
	g.mu.Unlock()
	for _, q := range qs {
		q.q.SetRTT(rtt)
	}
}

// poke wakes the ticking goroutine: a request is pending.
func (g *nackGenerator) poke() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// tickLoop sends the requests that fall due between packets. It sleeps
// while none is pending.
func (g *nackGenerator) tickLoop() {
	defer g.done.Done()
	t := time.NewTicker(nackTick)
	defer t.Stop()
	for {
		select {
		case <-g.quit:
			return
		case <-g.wake:
		}
		for pending := true; pending; {
			select {
			case <-g.quit:
				return
			case <-t.C:
			}
			pending = g.sendAll()
		}
	}
}

type ssrcQueue struct {
	ssrc uint32
	q    nack.NackQueueInterface
}

// queues is a copy of the streams' queues; g.mu must be held.
func (g *nackGenerator) queues() []ssrcQueue {
	qs := make([]ssrcQueue, 0, len(g.streams))
	for ssrc, q := range g.streams {
		qs = append(qs, ssrcQueue{ssrc, q})
	}
	return qs
}

// sendAll sends what is due on every stream and says whether any request
// is still pending.
func (g *nackGenerator) sendAll() bool {
	g.mu.Lock()
	qs := g.queues()
	g.mu.Unlock()
	pending := false
	for _, q := range qs {
		g.send(q.ssrc, q.q)
		pending = pending || len(q.q.Nacks()) > 0
	}
	return pending
}

// send writes one NACK with the requests of q that are due.
func (g *nackGenerator) send(ssrc uint32, q nack.NackQueueInterface) {
	pairs, _ := q.Pairs()
	if len(pairs) == 0 {
		return
	}
	g.mu.Lock()
	w := g.writer
	g.mu.Unlock()
	if w == nil {
		return
	}
	_, _ = w.Write([]rtcp.Packet{&rtcp.TransportLayerNack{SenderSSRC: ssrc, MediaSSRC: ssrc, Nacks: pairs}}, nil)
}

// gapFinder tracks a stream's highest sequence number. It is used by the
// stream's reader only.
type gapFinder struct {
	started bool
	highest uint16
}

// add notes a packet's arrival: it is no longer missing, and the numbers
// it skipped are. It reports whether any were.
func (f *gapFinder) add(q nack.NackQueueInterface, seq uint16) bool {
	if !f.started {
		f.started, f.highest = true, seq
		return false
	}
	q.Remove(seq)
	diff := seq - f.highest
	if diff == 0 || diff >= 0x8000 {
		return false
	}
	// The queue keeps its last MaxNacks; a longer gap (a restart) asks
	// for no more than those.
	first := f.highest + 1
	if missing := diff - 1; int(missing) > maxNacks {
		first = seq - uint16(maxNacks)
	}
	for s := first; s != seq; s++ {
		q.Push(s)
	}
	f.highest = seq
	return diff > 1
}

func negotiatedNack(info *interceptor.StreamInfo) bool {
	for _, fb := range info.RTCPFeedback {
		if fb.Type == "nack" && fb.Parameter == "" {
			return true
		}
	}
	return false
}
