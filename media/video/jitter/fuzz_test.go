package jitter

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// A fuzz program is a list of records, one per packet:
//
//	flags (bit 0 marker, bit 1 sequence step ×256, bit 2 DecodeFailed),
//	sequence step (int8), timestamp code, milliseconds to wait, payload
//	length, payload bytes.
//
// Timestamp codes: 0 same, 1 +3000, 2 −3000, else a jump.
func runProgram(t *testing.T, prog []byte) {
	b := New(Config{MaxPackets: 64})
	var p rtp.Packet
	now := t0
	seq, ts := uint16(0), uint32(0)
	for len(prog) >= 5 {
		flags, step, code, wait, n := prog[0], int(int8(prog[1])), prog[2], prog[3], int(prog[4])
		prog = prog[5:]
		n = min(n, len(prog))
		p.Payload, prog = prog[:n], prog[n:]
		if flags&2 != 0 {
			step *= 256
		}
		seq += uint16(step)
		ts = nextTS(ts, code)
		now = now.Add(time.Duration(wait) * time.Millisecond)
		p.Header = rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: flags&1 != 0}
		b.Push(&p, now)
		popAll(t, b, now)
		if flags&4 != 0 {
			b.DecodeFailed()
		}
		if at, ok := b.NextWake(); ok && !at.IsZero() && at.Before(now.Add(time.Hour)) {
			popAll(t, b, at.Add(time.Millisecond))
		}
		checkInvariants(t, b)
	}
}

func nextTS(ts uint32, code byte) uint32 {
	switch code {
	case 0:
		return ts
	case 1:
		return ts + 3000
	case 2:
		return ts - 3000
	}
	return ts + uint32(code)*7919
}

func popAll(t *testing.T, b *Buffer, now time.Time) {
	for i := 0; ; i++ {
		f, ok := b.Pop(now)
		if !ok {
			return
		}
		if i > len(b.ring) || len(f.Data) > len(b.ring)*maxPayload {
			t.Fatalf("Pop: %d frames, %d bytes", i, len(f.Data))
		}
	}
}

// checkInvariants: the span held fits the ring, every held number has its
// slot, and no buffer grew past its bound.
func checkInvariants(t *testing.T, b *Buffer) {
	if b.next <= b.high && b.high-b.next >= b.size() {
		t.Fatalf("span %d exceeds the ring %d", b.high-b.next+1, b.size())
	}
	for s := b.next; s <= b.high; s++ {
		if sl := b.at(s); sl.seq != s || !sl.has && sl.since.IsZero() {
			t.Fatalf("slot for %d holds %d (has %v)", s, sl.seq, sl.has)
		}
	}
	for i := range b.ring {
		if cap(b.ring[i].data) > 2*maxPayload {
			t.Fatalf("slot buffer grew to %d", cap(b.ring[i].data))
		}
	}
	if cap(b.out) > 2*len(b.ring)*maxPayload {
		t.Fatalf("frame buffer grew to %d", cap(b.out))
	}
}

func FuzzPush(f *testing.F) {
	for _, s := range seedPrograms() {
		f.Add(s)
	}
	f.Fuzz(runProgram)
}

// seedPrograms encodes realistic streams: each variant, with loss and
// reordering, and probes.
func seedPrograms() [][]byte {
	var out [][]byte
	for i, v := range variants {
		h := newHarness(nil, Config{})
		snd := newSender(int64(i), v.picIDs, v.layers)
		snd.chunk = 16
		frames := makeFrames(h, snd, 12)
		var prog []byte
		var seq uint16
		var ts uint32
		for k, e := range reorder(frames, i%2 == 0) {
			if k%9 == 4 {
				continue // lost
			}
			prog = appendRecord(prog, &e.p, &seq, &ts, 1)
			if k%11 == 0 {
				pad := padding(e.p.SequenceNumber+1, e.p.Timestamp)
				prog = appendRecord(prog, &pad, &seq, &ts, 0)
			}
		}
		out = append(out, prog)
	}
	return out
}

func appendRecord(prog []byte, p *rtp.Packet, seq *uint16, ts *uint32, wait byte) []byte {
	flags := byte(0)
	if p.Marker {
		flags = 1
	}
	code := byte(3)
	switch p.Timestamp - *ts {
	case 0:
		code = 0
	case 3000:
		code = 1
	case 0xFFFFFFFF - 2999:
		code = 2
	}
	step := int8(p.SequenceNumber - *seq)
	*seq += uint16(step)
	*ts = nextTS(*ts, code)
	n := min(len(p.Payload), 255)
	prog = append(prog, flags, byte(step), code, wait, byte(n))
	return append(prog, p.Payload[:n]...)
}

// Hostile input: malformed descriptors, empty packets, endless frames
// without a marker, absurd jumps. No panic, bounded memory, Pop ends.
func TestHostile(t *testing.T) {
	b := New(Config{MaxPackets: 128})
	var p rtp.Packet
	now := t0
	payloads := [][]byte{nil, {}, {0x80}, {0x90, 0x80}, {0x90, 0x80, 0x80}, {0x90, 0xE0, 0x80, 0x01, 0x05}, {0x10, 0x00}, make([]byte, 4000)}
	for i := range 200000 {
		now = now.Add(time.Millisecond)
		p.Header = rtp.Header{SequenceNumber: uint16(i), Timestamp: 5} // one frame that never ends
		switch k := i % 1000; {
		case k >= 500 && k < 505:
			p.SequenceNumber += 30000 // a new stream, briefly
		case k == 700:
			p.SequenceNumber -= 2000 // a lone absurd number
		}
		p.Payload = payloads[i%len(payloads)]
		b.Push(&p, now)
		popAll(t, b, now)
		if i%97 == 0 {
			checkInvariants(t, b)
		}
	}
	st := b.Stats()
	if st.Resets != 400 || st.PacketsLate != 200 {
		t.Fatalf("resets %d (want 2 per jump), strays %d", st.Resets, st.PacketsLate)
	}
	t.Logf("%+v", st)
}
