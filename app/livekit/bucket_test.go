package livekit

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtp"
)

func packet(ssrc uint32, seq uint16, size int, at time.Time) queued {
	return queued{header: rtp.Header{Version: 2, SSRC: ssrc, SequenceNumber: seq}, payload: make([]byte, size-12), at: at}
}

// fill queues n packets of 1200 bytes on one stream, as new media.
func fill(q *paceQueue, n int, at time.Time) {
	for i := range n {
		q.push(packet(1, uint16(i), 1200, at))
	}
}

// drain runs the queue as the pacer's goroutine would, for at most span,
// and returns when it was empty.
func drain(q *paceQueue, start time.Time, span time.Duration) (end time.Time) {
	now := start
	for now.Sub(start) < span {
		_, wait := q.due(now)
		if wait == 0 {
			break
		}
		now = now.Add(wait)
	}
	return now
}

// At 100 kbit/s, pion's pacer sent a full packet every 5 ms (about
// 2 Mbit/s) whatever its rate; this one keeps to the rate times the
// pacing factor.
func TestPaceQueueKeepsToItsRateBelowAPacketPerTick(t *testing.T) {
	start := time.Unix(1000, 0)
	q := newPaceQueue(100_000, start)
	fill(q, 10, start) // 12 kB: 0.64 s at 150 kbit/s
	end := drain(q, start, 10*time.Second)
	want := time.Duration(float64(12000*8) / (pacingFactor * 100_000) * float64(time.Second))
	if took := end.Sub(start); took < want-70*time.Millisecond || took > want+70*time.Millisecond {
		t.Fatalf("12 kB left in %v at 100 kbit/s, want about %v", took, want)
	}
}

// A queue longer than maxQueueDelay at the rate is sent faster, so the
// encoders' overshoot cannot build up lag.
func TestPaceQueueDrainsWithinMaxQueueDelay(t *testing.T) {
	start := time.Unix(1000, 0)
	q := newPaceQueue(100_000, start)
	fill(q, 200, start) // 240 kB: 13 s at 150 kbit/s
	end := drain(q, start, 10*time.Second)
	if len(q.packets) != 0 {
		t.Fatalf("%d packets still queued after 10 s", len(q.packets))
	}
	// Past the deadline what is left goes over minDrainTime, again and
	// again as it shrinks: a few of those, not the 13 s of the rate.
	if took := end.Sub(start); took > maxQueueDelay+3*minDrainTime {
		t.Fatalf("a queue of 240 kB took %v to leave, want at most about %v", took, maxQueueDelay)
	}
}

// A retransmission that waited longer than maxResendWait is dropped; a
// packet sent for the first time never is.
func TestPaceQueueDropsOnlyStaleRetransmissions(t *testing.T) {
	start := time.Unix(1000, 0)
	q := newPaceQueue(80_000, start)
	for i := range 10 {
		q.push(packet(1, uint16(100+i), 1200, start))
	}
	var order []uint16
	now := start
	step := func() {
		out, wait := q.due(now)
		for _, p := range out {
			order = append(order, p.header.SequenceNumber)
		}
		now = now.Add(wait)
	}
	for !slices.Contains(order, 103) {
		step()
	}
	q.push(packet(1, 103, 1200, now)) // a retransmission, queued behind six
	q.push(packet(2, 7, 1200, now))   // another stream's first packet
	q.push(packet(1, 110, 1200, now))
	for len(q.packets) > 0 {
		step()
	}
	if q.dropped != 1 {
		t.Fatalf("dropped %d, want the one stale retransmission", q.dropped)
	}
	want := []uint16{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 7, 110}
	if !slices.Equal(order, want) {
		t.Fatalf("sent %v, want %v", order, want)
	}
}

// A retransmission of a packet that still waits, sent for the first time
// or resent, is not queued again; once it has left, it may be.
func TestPaceQueueKeepsOneCopyOfAWaitingPacket(t *testing.T) {
	start := time.Unix(1000, 0)
	q := newPaceQueue(80_000, start)
	for i := range 4 {
		q.push(packet(1, uint16(50+i), 1200, start))
	}
	q.push(packet(1, 51, 1200, start)) // 51 itself still waits
	if len(q.packets) != 4 || q.dropped != 1 {
		t.Fatalf("%d queued, %d dropped; want the 4 originals and the copy dropped", len(q.packets), q.dropped)
	}
	now := start
	var order []uint16
	for len(q.packets) > 0 {
		out, wait := q.due(now)
		for _, p := range out {
			order = append(order, p.header.SequenceNumber)
		}
		now = now.Add(wait)
	}
	q.push(packet(1, 51, 1200, now)) // asked for again after it left
	q.push(packet(1, 51, 1200, now)) // and again while that waits
	if len(q.packets) != 1 || q.dropped != 2 {
		t.Fatalf("%d queued, %d dropped; want one retransmission queued", len(q.packets), q.dropped)
	}
	if !slices.Equal(order, []uint16{50, 51, 52, 53}) {
		t.Fatalf("sent %v", order)
	}
}

// Sequence numbers wrap: 2 after 65535 is new, not a retransmission.
func TestPaceQueueTellsRetransmissionsAcrossWrap(t *testing.T) {
	q := newPaceQueue(1_000_000, time.Unix(1000, 0))
	for _, seq := range []uint16{65534, 65535, 0, 2} {
		q.push(packet(1, seq, 100, time.Unix(1000, 0)))
	}
	q.push(packet(1, 65535, 100, time.Unix(1000, 0)))
	for i, p := range q.packets {
		if p.resend != (i == 4) {
			t.Fatalf("packet %d (seq %d): resend %v", i, p.header.SequenceNumber, p.resend)
		}
	}
}

// Time unused between frames is kept only up to paceBurst: after a pause
// the next frame is not all sent at once if it is larger than that.
func TestPaceQueueKeepsNoMoreThanABurstOfIdleTime(t *testing.T) {
	start := time.Unix(1000, 0)
	q := newPaceQueue(1_000_000, start) // 1.5 Mbit/s paced: 1875 B per 10 ms
	idle := start.Add(5 * time.Second)
	fill(q, 10, idle)
	out, wait := q.due(idle)
	if len(out) != 2 || wait == 0 {
		t.Fatalf("after 5 s idle, %d packets left at once (want 2: 10 ms at 1.5 Mbit/s, then the overdraft), next in %v", len(out), wait)
	}
}

// The pacer's goroutine sends what is written to the stream's writer, and
// Close ends it.
func TestSteeredPacerSendsAndCloses(t *testing.T) {
	p := newSteeredPacer(10_000_000)
	got := make(chan uint16, 10)
	p.AddStream(5, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		got <- h.SequenceNumber
		return h.MarshalSize() + len(payload), nil
	}))
	for seq := range uint16(3) {
		if _, err := p.Write(&rtp.Header{Version: 2, SSRC: 5, SequenceNumber: seq}, make([]byte, 100), nil); err != nil {
			t.Fatal(err)
		}
	}
	for want := range uint16(3) {
		if seq := <-got; seq != want {
			t.Fatalf("sent %d, want %d", seq, want)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	default:
		t.Fatal("Close returned with the goroutine still running")
	}
	if n, _ := p.Write(&rtp.Header{SSRC: 5}, nil, nil); n != 0 {
		t.Fatal("a closed pacer took a packet")
	}
}

// A stream's goodbye waits for the stream's packets still in the queue,
// and goes at once when none of them waits.
func TestSteeredPacerEndsAStreamOnceItsPacketsLeft(t *testing.T) {
	p := newSteeredPacer(100_000) // 1000-byte packets leave some 50 ms apart
	defer p.Close()
	var mu sync.Mutex
	sent := 0
	p.AddStream(5, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		mu.Lock()
		sent++
		mu.Unlock()
		return h.MarshalSize() + len(payload), nil
	}))
	for seq := range uint16(4) {
		if _, err := p.Write(&rtp.Header{Version: 2, SSRC: 5, SequenceNumber: seq}, make([]byte, 1000), nil); err != nil {
			t.Fatal(err)
		}
	}
	atDrain := make(chan int, 1)
	p.endStream(5, func() {
		mu.Lock()
		defer mu.Unlock()
		atDrain <- sent
	})
	if n := <-atDrain; n != 4 {
		t.Fatalf("called with %d of the stream's 4 packets sent", n)
	}
	called := false
	p.endStream(6, func() { called = true })
	if !called {
		t.Fatal("a stream with nothing queued waited")
	}
}

// Once a stream has ended, the retransmissions asked of it are not sent
// (its receivers are moving to another layer, and a resent packet would
// make the server count the layer back); a new packet starts it again.
func TestSteeredPacerDropsRetransmissionsOfAnEndedStream(t *testing.T) {
	p := newSteeredPacer(10_000_000)
	defer p.Close()
	got := make(chan uint16, 10)
	p.AddStream(5, interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		got <- h.SequenceNumber
		return h.MarshalSize() + len(payload), nil
	}))
	write := func(seq uint16) {
		if _, err := p.Write(&rtp.Header{Version: 2, SSRC: 5, SequenceNumber: seq}, make([]byte, 100), nil); err != nil {
			t.Fatal(err)
		}
	}
	write(10)
	<-got
	ended := make(chan struct{})
	p.endStream(5, func() { close(ended) })
	<-ended
	write(10) // a retransmission
	write(11) // the layer resumed
	if seq := <-got; seq != 11 {
		t.Fatalf("sent %d after the stream ended, want the new packet 11", seq)
	}
	write(11) // a retransmission of the resumed stream goes as usual
	if seq := <-got; seq != 11 {
		t.Fatalf("sent %d, want the retransmission of 11", seq)
	}
}

// Transport-wide sequence numbers are written as packets leave, so one
// the pacer drops leaves no gap that the server's feedback would report as
// lost; a stream without the extension negotiated gets none.
func TestSteeredPacerNumbersOnlyWhatLeaves(t *testing.T) {
	p := newSteeredPacer(10_000_000)
	defer p.Close()
	type out struct {
		ssrc   uint32
		number int // -1: no transport-wide sequence number
	}
	got := make(chan out, 10)
	w := interceptor.RTPWriterFunc(func(h *rtp.Header, payload []byte, _ interceptor.Attributes) (int, error) {
		o := out{ssrc: h.SSRC, number: -1}
		if b := h.GetExtension(3); b != nil {
			var ext rtp.TransportCCExtension
			if err := ext.Unmarshal(b); err != nil {
				t.Errorf("extension %x: %v", b, err)
			}
			o.number = int(ext.TransportSequence)
		}
		got <- o
		return h.MarshalSize() + len(payload), nil
	})
	p.numberWith(5, 3)
	p.AddStream(5, w)
	p.AddStream(6, w)
	write := func(ssrc uint32, seq uint16) {
		if _, err := p.Write(&rtp.Header{Version: 2, SSRC: ssrc, SequenceNumber: seq}, make([]byte, 100), nil); err != nil {
			t.Fatal(err)
		}
	}
	write(5, 10)
	if o := <-got; o != (out{5, 0}) {
		t.Fatalf("first packet went out as %+v, want number 0", o)
	}
	ended := make(chan struct{})
	p.endStream(5, func() { close(ended) })
	<-ended
	write(5, 10) // a retransmission of the ended stream: dropped
	write(6, 1)
	write(5, 11)
	for _, want := range []out{{6, -1}, {5, 1}} {
		if o := <-got; o != want {
			t.Fatalf("went out as %+v, want %+v", o, want)
		}
	}
}
