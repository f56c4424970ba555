package livekit

import (
	"slices"
	"testing"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// nackRig is one remote stream through a nackGenerator: feed hands it a
// packet as the network would, and every NACK it writes arrives on nacks
// as the sequence numbers it names.
type nackRig struct {
	gen    *nackGenerator
	reader interceptor.RTPReader
	next   chan uint16
	nacks  chan []uint16
}

const rigSSRC = 0x1234

func newNackRig(t *testing.T, feedback []interceptor.RTCPFeedback) *nackRig {
	t.Helper()
	gens := &nackGenerators{}
	i, err := gens.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	r := &nackRig{gen: i.(*nackGenerator), next: make(chan uint16, 1), nacks: make(chan []uint16, 100)}
	t.Cleanup(func() { _ = r.gen.Close() })
	r.gen.BindRTCPWriter(interceptor.RTCPWriterFunc(func(pkts []rtcp.Packet, _ interceptor.Attributes) (int, error) {
		for _, p := range pkts {
			if n, ok := p.(*rtcp.TransportLayerNack); ok && n.MediaSSRC == rigSSRC {
				r.nacks <- named(n)
			}
		}
		return 0, nil
	}))
	src := interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		h := rtp.Header{Version: 2, SSRC: rigSSRC, SequenceNumber: <-r.next}
		n, err := h.MarshalTo(b)
		return n, a, err
	})
	info := &interceptor.StreamInfo{SSRC: rigSSRC, RTCPFeedback: feedback}
	r.reader = r.gen.BindRemoteStream(info, src)
	gens.SetRTT(1)
	return r
}

var nackFeedback = []interceptor.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}}

func (r *nackRig) feed(t *testing.T, seqs ...uint16) {
	t.Helper()
	buf := make([]byte, 1500)
	for _, s := range seqs {
		r.next <- s
		if _, _, err := r.reader.Read(buf, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// named lists the sequence numbers a NACK asks for.
func named(n *rtcp.TransportLayerNack) []uint16 {
	var out []uint16
	for _, p := range n.Nacks {
		out = append(out, p.PacketList()...)
	}
	return out
}

// wait is the next NACK, or a failure if none comes while a loaded
// machine could still be on its way to it.
func (r *nackRig) wait(t *testing.T) []uint16 {
	t.Helper()
	select {
	case got := <-r.nacks:
		return got
	case <-time.After(5 * time.Second):
		t.Fatal("no NACK written")
		return nil
	}
}

func TestNackGeneratorAsksForAGapWhenItIsSeen(t *testing.T) {
	r := newNackRig(t, nackFeedback)
	r.feed(t, 1, 2, 5)
	// Written by the Read of packet 5 itself, before it returned.
	select {
	case got := <-r.nacks:
		if !slices.Equal(got, []uint16{3, 4}) {
			t.Fatalf("asked for %v, want [3 4]", got)
		}
	default:
		t.Fatal("the gap was not asked for when packet 5 came")
	}
}

func TestNackGeneratorRepeatsARequestWithoutAPacket(t *testing.T) {
	r := newNackRig(t, nackFeedback)
	r.feed(t, 10, 12)
	if got := r.wait(t); !slices.Equal(got, []uint16{11}) {
		t.Fatalf("asked for %v, want [11]", got)
	}
	// No packet comes: the ticker asks again after the round trip.
	if got := r.wait(t); !slices.Equal(got, []uint16{11}) {
		t.Fatalf("asked again for %v, want [11]", got)
	}
}

func TestNackGeneratorForgetsWhatCame(t *testing.T) {
	r := newNackRig(t, nackFeedback)
	r.feed(t, 100, 102)
	r.wait(t)
	r.feed(t, 101, 103, 105)
	// 101 came: requests from now on name 104 only (a repeat for 101
	// may have been written before it came).
	for {
		got := r.wait(t)
		if slices.Contains(got, 104) {
			if !slices.Equal(got, []uint16{104}) {
				t.Fatalf("asked for %v, want [104]", got)
			}
			return
		}
	}
}

func TestNackGeneratorAsksForNoMoreThanTheQueueKeeps(t *testing.T) {
	r := newNackRig(t, nackFeedback)
	r.feed(t, 65000, 4464) // 5000 on, across the wrap
	got := r.wait(t)
	if len(got) != 100 || got[0] != 4364 || got[99] != 4463 {
		t.Fatalf("asked for %d packets, %v…%v; want the 100 before 4464", len(got), got[0], got[len(got)-1])
	}
}

func TestNackGeneratorLeavesStreamsWithoutNack(t *testing.T) {
	r := newNackRig(t, []interceptor.RTCPFeedback{{Type: "transport-cc"}})
	r.feed(t, 1, 5)
	if err := r.gen.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-r.nacks:
		t.Fatalf("asked for %v on a stream that did not negotiate NACK", got)
	default:
	}
}

func TestNackGeneratorCloseEndsItsGoroutine(t *testing.T) {
	r := newNackRig(t, nackFeedback)
	r.feed(t, 1, 3)
	r.wait(t)
	// Close waits for the goroutine that ticks: its return is its end.
	closed := make(chan error, 1)
	go func() { closed <- r.gen.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return: the ticking goroutine did not end")
	}
}

func TestNackGeneratorsTakeTheICERoundTripUntilAReportComes(t *testing.T) {
	gens := &nackGenerators{}
	i, err := gens.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	g := i.(*nackGenerator)
	t.Cleanup(func() { _ = g.Close() })
	rtt := func() uint32 {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.rtt
	}
	gens.Seed(0) // no measurement: nothing changes
	if got := rtt(); got != 0 {
		t.Fatalf("after an empty seed the round trip is %d ms, want unset", got)
	}
	gens.Seed(3)
	if got := rtt(); got != 3 {
		t.Fatalf("after the seed the round trip is %d ms, want 3", got)
	}
	gens.SetRTT(40)
	gens.Seed(3) // a report came: the seed is stale
	if got := rtt(); got != 40 {
		t.Fatalf("a seed after a report set the round trip to %d ms, want the report's 40", got)
	}
	// A connection made later (a rejoin) starts from the round trip known.
	later, err := gens.NewInterceptor("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = later.Close() })
	if got := later.(*nackGenerator).rtt; got != 40 {
		t.Fatalf("a later connection's generator starts at %d ms, want 40", got)
	}
}

func TestASubMillisecondRoundTripIsOneMillisecond(t *testing.T) {
	for _, c := range []struct {
		sec  float64
		want uint32
	}{{0, 0}, {0.0003, 1}, {0.001, 1}, {0.0421, 43}} {
		if got := wholeMs(c.sec); got != c.want {
			t.Errorf("wholeMs(%v) = %d, want %d", c.sec, got, c.want)
		}
	}
}
