package jitter

import (
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

var variants = []struct {
	name   string
	picIDs bool
	layers int
}{
	{"seq-only", false, 1},
	{"picture-ids", true, 1},
	{"temporal-2", true, 2},
	{"temporal-no-pid", false, 2},
}

// A clean stream: each frame comes out exactly when its marker packet is
// pushed, with no extra delay, in order, none skipped.
func TestCleanStreamZeroDelay(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			frames := makeFrames(h, newSender(1, v.picIDs, v.layers), 300)
			for _, f := range frames {
				for j, p := range f.pkts {
					at := sendTime(t0, f.idx, j)
					before := len(h.outIdx)
					h.push(p, at)
					want := 0
					if p.Marker {
						want = 1
					}
					if got := len(h.outIdx) - before; got != want {
						t.Fatalf("frame %d packet %d: %d frames out, want %d", f.idx, j, got, want)
					}
				}
				if h.b.NeedKeyframe() {
					t.Fatalf("frame %d: keyframe needed on a clean stream", f.idx)
				}
			}
			st := h.b.Stats()
			if st.FramesOut != 300 || st.FramesSkipped != 0 || st.KeyframesNeeded != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// pion's own payloader (what the app's sender uses): 7-bit picture IDs
// below 128, 15-bit above, none on picture ID 0.
func TestPionPayloader(t *testing.T) {
	h := newHarness(t, Config{})
	pay := &codecs.VP8Payloader{EnablePictureID: true}
	seq := uint16(65000)
	for i := range 400 {
		f := &sentFrame{idx: i, key: i == 0, ts: uint32(i * 3000), data: frameBytes(i, i == 0, 300+i%5*250)}
		if i > 0 {
			f.refs = []int{i - 1}
		}
		h.sent[i] = f
		parts := pay.Payload(300, f.data) // 1..6 packets
		for j, part := range parts {
			p := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: f.ts, Marker: j == len(parts)-1}, Payload: part}
			seq++
			h.push(p, sendTime(t0, i, j))
		}
	}
	if st := h.b.Stats(); st.FramesOut != 400 || st.FramesSkipped != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// One packet lost, retransmitted 60 ms later: the frame and those behind
// it come out right then, none skipped, no keyframe.
func TestRetransmissionRecovers(t *testing.T) {
	for _, v := range variants {
		for _, which := range []string{"first", "middle", "marker", "whole"} {
			t.Run(v.name+"/"+which, func(t *testing.T) {
				h := newHarness(t, Config{})
				s := newSender(2, v.picIDs, v.layers)
				s.maxPkts = 3
				frames := makeFrames(h, s, 40)
				lostF := 20
				if v.layers > 1 {
					lostF = 22 // a TL0 frame: everything behind it waits
				}
				lf := frames[lostF]
				lost := pick(which, len(lf.pkts))
				retx := sendTime(t0, lostF, 0).Add(60 * time.Millisecond)
				for _, f := range frames {
					for j, p := range f.pkts {
						at := sendTime(t0, f.idx, j)
						if f.idx == lostF && lost[j] {
							continue
						}
						if !retx.IsZero() && at.After(retx) {
							for k := range lf.pkts {
								if lost[k] {
									h.push(lf.pkts[k], retx)
								}
							}
							if h.last < lostF+1 {
								t.Fatalf("frames behind the retransmission not out at once (last %d)", h.last)
							}
							retx = time.Time{}
						}
						h.push(p, at)
					}
				}
				st := h.b.Stats()
				if st.FramesOut != 40 || st.FramesSkipped != 0 || st.KeyframesNeeded != 0 || h.b.NeedKeyframe() {
					t.Fatalf("stats %+v", st)
				}
				if st.PacketsRecovered != len(lost) {
					t.Fatalf("recovered %d, want %d", st.PacketsRecovered, len(lost))
				}
			})
		}
	}
}

// pick chooses packets of an n-packet frame.
func pick(which string, n int) map[int]bool {
	lost := map[int]bool{}
	switch which {
	case "first":
		lost[0] = true
	case "middle":
		lost[n/2] = true
	case "marker":
		lost[n-1] = true
	case "whole":
		for j := range n {
			lost[j] = true
		}
	}
	return lost
}

// A TL1 frame whose packets never come is skipped without a keyframe, and
// the TL0 behind it is not held for the full wait.
func TestLostUpperLayerSkipped(t *testing.T) {
	for _, pos := range []int{1, 3} { // the sync TL1 (dependant follows), the N=1 TL1
		t.Run(fmt.Sprint("pattern-", pos), func(t *testing.T) {
			h := newHarness(t, Config{})
			frames := makeFrames(h, newSender(3, true, 2), 40)
			lostF := 16 + pos
			h.sendAll(frames, t0, func(f, _ int) bool { return f == lostF })
			st := h.b.Stats()
			skipped := 40 - st.FramesOut
			wantSkip := 1
			if pos == 1 {
				wantSkip = 2 // the Y=0 TL1 two frames later references it
			}
			if skipped != wantSkip || st.KeyframesNeeded != 0 || h.b.NeedKeyframe() {
				t.Fatalf("skipped %d (want %d), stats %+v", skipped, wantSkip, st)
			}
			// The TL0 after the hole waits NonRefWait at most.
			i := indexOf(h.outIdx, lostF+1)
			if d := h.outAt[i].Sub(sendTime(t0, lostF+1, len(frames[lostF+1].pkts)-1)); d > DefaultMinWait {
				t.Fatalf("TL0 behind the lost TL1 held %v", d)
			}
		})
	}
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// A frame later frames depend on, lost for good: after the wait budget
// NeedKeyframe turns true; a keyframe clears it.
func TestReferenceLostNeedsKeyframe(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			s := newSender(4, v.picIDs, v.layers)
			frames := makeFrames(h, s, 30)
			lostF := 12 // TL0 in the temporal pattern
			h.sendAll(frames, t0, func(f, p int) bool { return f == lostF && p == 0 })
			end := sendTime(t0, 30, 0)
			h.advance(end)
			if !h.b.NeedKeyframe() {
				t.Fatal("no keyframe needed after a reference frame was lost")
			}
			if h.last != lostF-1 {
				t.Fatalf("last frame out %d, want %d", h.last, lostF-1)
			}
			key := h.add(s.next(true))
			h.sendAll([]*sentFrame{key}, t0, nil)
			if h.b.NeedKeyframe() || h.last != key.idx {
				t.Fatalf("keyframe did not clear it (last %d)", h.last)
			}
			if st := h.b.Stats(); st.KeyframesNeeded != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// Reordering inside a frame and across frames loses nothing. "late"
// swaps keep each packet's time slot, so a frame's last packet can come
// 33 ms late, after the next frame: a higher-layer frame then waits only
// NonRefWait, so those runs wait the full budget for every frame.
func TestReordering(t *testing.T) {
	for _, v := range variants {
		for _, late := range []bool{false, true} {
			t.Run(fmt.Sprint(v.name, "/late-", late), func(t *testing.T) {
				cfg := Config{}
				if late {
					cfg.NonRefWait = -1
				}
				h := newHarness(t, cfg)
				frames := makeFrames(h, newSender(5, v.picIDs, v.layers), 60)
				for _, e := range reorder(frames, late) {
					h.push(e.p, e.at)
				}
				h.advance(sendTime(t0, 70, 0))
				if st := h.b.Stats(); st.FramesOut != 60 || st.PacketsLate != 0 || st.KeyframesNeeded != 0 {
					t.Fatalf("stats %+v", st)
				}
			})
		}
	}
}

type arrival struct {
	p  rtp.Packet
	at time.Time
}

// reorder swaps neighbours inside frames and across frame boundaries.
func reorder(frames []*sentFrame, late bool) []arrival {
	var evs []arrival
	for _, f := range frames {
		for j, p := range f.pkts {
			evs = append(evs, arrival{p, sendTime(t0, f.idx, j)})
		}
	}
	for i := 0; i+1 < len(evs); i++ {
		a, b := evs[i].p, evs[i+1].p
		if a.Marker && i%7 == 0 || !a.Marker && int(a.SequenceNumber)%5 == 0 {
			evs[i].p, evs[i+1].p = b, a
			if !late {
				evs[i+1].at = evs[i].at.Add(time.Millisecond)
			}
			i++
		}
	}
	return evs
}

// The very first packet arriving after the second one still counts.
func TestReorderedStart(t *testing.T) {
	h := newHarness(t, Config{})
	frames := makeFrames(h, newSender(6, true, 1), 3)
	k := frames[0].pkts
	h.push(k[1], t0)
	h.push(k[0], t0.Add(time.Millisecond))
	for j := 2; j < len(k); j++ {
		h.push(k[j], t0.Add(2*time.Millisecond))
	}
	h.sendAll(frames[1:], t0, nil)
	if st := h.b.Stats(); st.FramesOut != 3 {
		t.Fatalf("stats %+v", st)
	}
}

// Sequence numbers and timestamps wrap, with a loss across the wrap.
func TestWraparound(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			s := newSender(7, v.picIDs, v.layers)
			s.seq, s.ts, s.pic, s.tl0 = 65400, 0xFFFFFFFF-90000, 0x7FF0, 250
			frames := makeFrames(h, s, 120)
			var lost rtp.Packet
			var lostAt time.Time
			for _, f := range frames {
				for j, p := range f.pkts {
					at := sendTime(t0, f.idx, j)
					if p.SequenceNumber == 2 {
						lost, lostAt = p, at.Add(50*time.Millisecond)
						continue
					}
					if !lostAt.IsZero() && at.After(lostAt) {
						h.push(lost, lostAt)
						lostAt = time.Time{}
					}
					h.push(p, at)
				}
			}
			if st := h.b.Stats(); st.FramesOut != 120 || st.KeyframesNeeded != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// Padding packets between frames fill their sequence numbers; a lost one
// delays nothing when picture IDs show no frame was lost. Probes come in
// two shapes: empty (pion strips the padding), and livekit-server's, whose
// padding block pion writes twice so that one is left as the payload.
func TestPadding(t *testing.T) {
	// pion strips RTP padding on Unmarshal: a probe ends up with no payload.
	raw, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, Padding: true}, PaddingSize: 200}).Marshal()
	var probe rtp.Packet
	if err := probe.Unmarshal(raw); err != nil || len(probe.Payload) != 0 {
		t.Fatalf("probe payload %d bytes, err %v", len(probe.Payload), err)
	}
	for _, v := range variants {
		for _, twice := range []bool{false, true} {
			for _, loseOne := range []bool{false, true} {
				t.Run(fmt.Sprint(v.name, "/twice-", twice, "/lose-one-", loseOne), func(t *testing.T) {
					testPadding(t, v.picIDs, v.layers, twice, loseOne)
				})
			}
		}
	}
}

func testPadding(t *testing.T, picIDs bool, layers int, twice, loseOne bool) {
	h := newHarness(t, Config{})
	s := newSender(8, picIDs, layers)
	for i := range 60 {
		f := h.add(s.next(false))
		h.sendAll([]*sentFrame{f}, t0, nil)
		if i%3 == 1 { // a burst of three probes after the frame
			for k := range 3 {
				if !(loseOne && k == 1) {
					h.push(probeAsSent(t, s.seq, f.ts, twice), sendTime(t0, i, 10+k))
				}
				s.seq++
			}
		}
		if h.last != i && !(loseOne && !picIDs) {
			t.Fatalf("frame %d held (last out %d)", i, h.last)
		}
	}
	h.advance(sendTime(t0, 70, 0))
	st := h.b.Stats()
	if (!loseOne || picIDs) && (st.FramesOut != 60 || st.KeyframesNeeded != 0 || st.FramesSkipped != 0) {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("%+v", st)
}

// probeAsSent is a padding packet as it comes off the wire: marshalled by
// pion and parsed back. twice puts the padding block in the payload as
// well, as livekit-server does.
func probeAsSent(t *testing.T, seq uint16, ts uint32, twice bool) rtp.Packet {
	p := padding(seq, ts)
	if twice {
		p.Payload = make([]byte, 255)
		p.Payload[254] = 255
	}
	raw, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var got rtp.Packet
	if err := got.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	if want := len(p.Payload); len(got.Payload) != want {
		t.Fatalf("probe arrives with %d payload bytes; want %d", len(got.Payload), want)
	}
	return got
}

// A stray packet of a frame that already went out (no start, its
// timestamp) is passed over: it neither counts as a lost frame nor breaks
// the chain.
func TestStrayTailOfAFrameThatWentOut(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			s := newSender(11, v.picIDs, v.layers)
			for i := range 30 {
				f := h.add(s.next(false))
				h.sendAll([]*sentFrame{f}, t0, nil)
				if i%4 == 2 {
					stray := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: s.seq, Timestamp: f.ts},
						Payload: []byte{0x00, 0x9d, 0x01, 0x2a}}
					h.push(stray, sendTime(t0, i, 10))
					s.seq++
				}
			}
			if st := h.b.Stats(); st.FramesOut != 30 || st.FramesSkipped != 0 || st.KeyframesNeeded != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// The wait budget follows the measured recovery time.
func TestBudgetAdapts(t *testing.T) {
	h := newHarness(t, Config{})
	s := newSender(9, true, 1)
	s.maxPkts = 3
	if b := h.b.Stats().WaitBudget; b != DefaultStartWait {
		t.Fatalf("start budget %v", b)
	}
	run := func(frames int, rtt time.Duration) time.Duration {
		start := h.now.Add(time.Second)
		var pend []struct {
			p  rtp.Packet
			at time.Time
		}
		for i := range frames {
			f := h.add(s.next(false))
			at := start.Add(time.Duration(i) * time.Second / 30)
			for j, p := range f.pkts {
				for len(pend) > 0 && !pend[0].at.After(at) {
					h.push(pend[0].p, pend[0].at)
					pend = pend[1:]
				}
				if i%3 == 1 && j == 0 { // lose one packet in three frames
					pend = append(pend, struct {
						p  rtp.Packet
						at time.Time
					}{p, at.Add(rtt)})
					continue
				}
				h.push(p, at.Add(time.Duration(j)*time.Millisecond))
			}
		}
		for _, e := range pend {
			h.push(e.p, e.at)
		}
		return h.b.Stats().WaitBudget
	}
	slow := run(300, 200*time.Millisecond)
	fast := run(300, 30*time.Millisecond)
	t.Logf("budget after RTT 200 ms: %v, after RTT 30 ms: %v", slow, fast)
	if slow < 300*time.Millisecond || fast > 70*time.Millisecond {
		t.Fatalf("budget did not follow: %v then %v", slow, fast)
	}
	if st := h.b.Stats(); st.KeyframesNeeded > 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A big sequence jump is a new stream: reset, wait for a keyframe.
func TestSequenceJumpResets(t *testing.T) {
	h := newHarness(t, Config{})
	s := newSender(10, true, 1)
	frames := makeFrames(h, s, 10)
	h.sendAll(frames, t0, nil)
	s.seq += 20000
	more := makeFrames(h, s, 5) // deltas: undecodable after the reset
	h.sendAll(more, t0, nil)
	if st := h.b.Stats(); st.Resets != 1 || !h.b.NeedKeyframe() || h.last != 9 {
		t.Fatalf("last %d, stats %+v", h.last, st)
	}
	key := h.add(s.next(true))
	h.sendAll([]*sentFrame{key}, t0, nil)
	if h.last != key.idx || h.b.NeedKeyframe() {
		t.Fatalf("keyframe after the reset not out (last %d)", h.last)
	}
	// A straggler from before the jump is dropped, not a second reset;
	// so is a lone corrupt number.
	h.push(frames[9].pkts[0], sendTime(t0, 16, 0))
	odd := frames[9].pkts[0]
	odd.SequenceNumber += 30000
	h.sendAll(makeFrames(h, s, 2), t0, nil)
	h.push(odd, sendTime(t0, 19, 0))
	h.sendAll(makeFrames(h, s, 3), t0, nil)
	if st := h.b.Stats(); st.Resets != 1 || h.last != key.idx+5 || st.PacketsLate != 2 {
		t.Fatalf("after a straggler: last %d, stats %+v", h.last, st)
	}
}

func TestDecodeFailed(t *testing.T) {
	h := newHarness(t, Config{})
	s := newSender(11, true, 1)
	h.sendAll(makeFrames(h, s, 5), t0, nil)
	h.b.DecodeFailed()
	if !h.b.NeedKeyframe() {
		t.Fatal("no keyframe needed after a decode failure")
	}
	h.sendAll(makeFrames(h, s, 3), t0, nil)
	if h.last != 4 {
		t.Fatalf("dependants of a failed frame went out (last %d)", h.last)
	}
	key := h.add(s.next(true))
	h.sendAll([]*sentFrame{key}, t0, nil)
	if h.last != key.idx || h.b.NeedKeyframe() {
		t.Fatal("keyframe did not recover")
	}
}

// While a keyframe's packets are still coming in the buffer says so, so
// the receiver does not ask for another; once it is given up (a packet
// lost for good) a keyframe is needed and none is arriving.
func TestKeyframeArriving(t *testing.T) {
	h := newHarness(t, Config{})
	s := newSender(12, true, 1)
	if h.b.KeyframeArriving() {
		t.Fatal("an empty buffer has a keyframe arriving")
	}
	key := h.add(s.next(true))
	last := len(key.pkts) - 1
	h.push(key.pkts[0], t0)
	if !h.b.NeedKeyframe() || !h.b.KeyframeArriving() {
		t.Fatalf("half a keyframe: need %v, arriving %v", h.b.NeedKeyframe(), h.b.KeyframeArriving())
	}
	h.push(key.pkts[last], t0.Add(time.Millisecond)) // the middle is missing
	if !h.b.KeyframeArriving() {
		t.Fatal("a keyframe waiting for a retransmission is not arriving")
	}
	h.advance(t0.Add(time.Second))
	if !h.b.NeedKeyframe() || h.b.KeyframeArriving() {
		t.Fatalf("after the keyframe was given up: need %v, arriving %v", h.b.NeedKeyframe(), h.b.KeyframeArriving())
	}
	next := h.add(s.next(true))
	h.sendAll([]*sentFrame{next}, t0.Add(2*time.Second), nil)
	if h.b.NeedKeyframe() || h.b.KeyframeArriving() || h.last != next.idx {
		t.Fatalf("a whole keyframe: need %v, arriving %v, last out %d", h.b.NeedKeyframe(), h.b.KeyframeArriving(), h.last)
	}
}

// The payload buffers held follow the packets waiting, not the ring's
// span: after some 1500 packets, a loss half-way through (the frames
// after it are given up, as no keyframe follows), a few frames' worth are
// held, not one in each slot passed.
func TestHeldBuffersFollowThePacketsWaiting(t *testing.T) {
	h := newHarness(t, Config{})
	frames := makeFrames(h, newSender(1, true, 1), 600)
	h.sendAll(frames, t0, func(f, p int) bool { return f == 300 && p == 0 })
	if st := h.b.Stats(); st.FramesOut != 300 || st.FramesSkipped == 0 {
		t.Fatalf("%d frames out and %d skipped, want the 300 before the loss out and the rest skipped", st.FramesOut, st.FramesSkipped)
	}
	held := len(h.b.spare)
	for i := range h.b.ring {
		if sl := &h.b.ring[i]; cap(sl.data) > 0 {
			held++
		}
	}
	if held > 32 {
		t.Fatalf("%d payload buffers held after the stream, want a few frames' worth (≤ 32)", held)
	}
}
