package red

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/pion/rtp"
)

const opusPT, redPT = 111, 63

func frameOf(seq uint16) []byte { return []byte(fmt.Sprintf("frame %d", seq)) }

// packets encodes frames first..first+n-1, 20 ms apart, as a RED sender
// would with the given distance.
func packets(t testing.TB, first uint16, n, distance int) [][]byte {
	t.Helper()
	e := NewEncoder(opusPT)
	var out [][]byte
	for i := range n {
		seq := first + uint16(i)
		ts := uint32(5000 + 960*i)
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: redPT, SequenceNumber: seq, Timestamp: ts, SSRC: 9},
			Payload: e.Encode(nil, seq, ts, frameOf(seq), distance)}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// What the encoder writes parses back into the frames it carried, with
// their places and timestamp offsets.
func TestEncodeParses(t *testing.T) {
	e := NewEncoder(opusPT)
	e.Encode(nil, 10, 1000, []byte("a"), 2)
	e.Encode(nil, 11, 1960, []byte("bb"), 2)
	blocks, err := Parse(e.Encode(nil, 12, 2920, []byte("ccc"), 2))
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{{opusPT, 2, 1920, []byte("a")}, {opusPT, 1, 960, []byte("bb")}, {opusPT, 0, 0, []byte("ccc")}}
	if len(blocks) != len(want) {
		t.Fatalf("%d blocks, want %d", len(blocks), len(want))
	}
	for i, b := range blocks {
		w := want[i]
		if b.PT != w.PT || b.Back != w.Back || b.Offset != w.Offset || !bytes.Equal(b.Payload, w.Payload) {
			t.Errorf("block %d: %+v, want %+v", i, b, w)
		}
	}
	// Distance 0 is the primary frame alone, behind a one-byte header.
	if got := e.Encode(nil, 13, 3880, []byte("d"), 0); !bytes.Equal(got, []byte{opusPT, 'd'}) {
		t.Errorf("distance 0: %v", got)
	}
}

// Copies go only with an unbroken run of frames right before this one, and
// not across a pause longer than the header's timestamp offset can say.
func TestCopiesOnlyOfTheFramesJustBefore(t *testing.T) {
	e := NewEncoder(opusPT)
	e.Encode(nil, 1, 0, []byte("a"), 2)
	e.Encode(nil, 2, 960, []byte("b"), 2)
	// Frame 3 was never sent (the sender skipped it): no copy can stand
	// for it, and a copy of 2 would be taken for 3.
	if bl, _ := Parse(e.Encode(nil, 4, 2880, []byte("d"), 2)); len(bl) != 1 {
		t.Errorf("after a gap: %d blocks, want the primary alone", len(bl))
	}
	// A muted microphone comes back a second later.
	if bl, _ := Parse(e.Encode(nil, 5, 2880+48000, []byte("e"), 2)); len(bl) != 1 {
		t.Errorf("after a pause: %d blocks, want the primary alone", len(bl))
	}
	if bl, _ := Parse(e.Encode(nil, 6, 2880+48960, []byte("f"), 2)); len(bl) != 2 || string(bl[0].Payload) != "e" {
		t.Errorf("after that: %+v, want e's copy and f", bl)
	}
}

// Hostile or cut payloads are errors, never a panic or a read past the end.
func TestParseRejectsCutPayloads(t *testing.T) {
	good := NewEncoder(opusPT)
	good.Encode(nil, 1, 0, []byte("abc"), 1)
	full := good.Encode(nil, 2, 960, []byte("de"), 1)
	for n := range len(full) - 2 { // cut anywhere before the primary frame's bytes
		if _, err := Parse(full[:n]); err == nil {
			t.Errorf("cut to %d bytes: parsed", n)
		}
	}
}

// A receiver gets every frame in order: the lost ones from the copies in
// the packets after them, as far back as the distance reaches.
func TestReaderRebuildsLostPackets(t *testing.T) {
	for _, tc := range []struct {
		distance int
		lost     []int // indexes of packets lost on the way
		want     []uint16
	}{
		{2, nil, []uint16{100, 101, 102, 103, 104, 105}},
		{2, []int{2}, []uint16{100, 101, 102, 103, 104, 105}},
		{2, []int{2, 3}, []uint16{100, 101, 102, 103, 104, 105}},
		{1, []int{2, 3}, []uint16{100, 101, 103, 104, 105}},
		{2, []int{1, 2, 3}, []uint16{100, 102, 103, 104, 105}},
		{0, []int{2}, []uint16{100, 101, 103, 104, 105}},
	} {
		in := packets(t, 100, 6, tc.distance)
		var sent [][]byte
		for i, p := range in {
			if !slices.Contains(tc.lost, i) {
				sent = append(sent, p)
			}
		}
		r := NewReader(&feed{pkts: sent}, redPT)
		got := readAll(t, r)
		if want := len(tc.want) - len(sent); r.Rebuilt() != want {
			t.Errorf("distance %d, lost %v: %d rebuilt, want %d", tc.distance, tc.lost, r.Rebuilt(), want)
		}
		if fmt.Sprint(seqs(got)) != fmt.Sprint(tc.want) {
			t.Errorf("distance %d, lost %v: got %v, want %v", tc.distance, tc.lost, seqs(got), tc.want)
			continue
		}
		for _, p := range got {
			if p.PayloadType != opusPT || !bytes.Equal(p.Payload, frameOf(p.SequenceNumber)) ||
				p.Timestamp != 5000+960*uint32(p.SequenceNumber-100) {
				t.Errorf("packet %d: pt %d, ts %d, payload %q", p.SequenceNumber, p.PayloadType, p.Timestamp, p.Payload)
			}
		}
	}
}

// Packets of another payload type pass as they are; a duplicate or a late
// packet is not passed twice; a malformed one is dropped.
func TestReaderPassesPlainAndDropsBroken(t *testing.T) {
	red := packets(t, 7, 3, 2)
	plain, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: opusPT, SequenceNumber: 10}, Payload: []byte("x")}).Marshal()
	broken, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: redPT, SequenceNumber: 11}, Payload: []byte{0x80 | opusPT, 0}}).Marshal()
	got := readAll(t, NewReader(&feed{pkts: [][]byte{red[0], red[1], red[1], red[0], red[2], plain, broken, {1, 2}}}, redPT))
	if fmt.Sprint(seqs(got)) != "[7 8 9 10]" {
		t.Errorf("got %v, want [7 8 9 10]", seqs(got))
	}
}

type feed struct{ pkts [][]byte }

func (f *feed) Read(b []byte) (int, error) {
	if len(f.pkts) == 0 {
		return 0, io.EOF
	}
	p := f.pkts[0]
	f.pkts = f.pkts[1:]
	return copy(b, p), nil
}

func readAll(t *testing.T, r *Reader) []rtp.Packet {
	t.Helper()
	var out []rtp.Packet
	b := make([]byte, 1500)
	for {
		n, err := r.Read(b)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(b[:n]); err != nil {
			t.Fatal(err)
		}
		p.Payload = append([]byte(nil), p.Payload...)
		out = append(out, p)
	}
}

func seqs(ps []rtp.Packet) []uint16 {
	var s []uint16
	for _, p := range ps {
		s = append(s, p.SequenceNumber)
	}
	return s
}

// Whatever arrives, the reader neither panics nor passes on more than it
// can hold.
func FuzzReader(f *testing.F) {
	for _, p := range packets(f, 1, 3, 2) {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		r := NewReader(&feed{pkts: [][]byte{pkt, pkt}}, redPT)
		b := make([]byte, 1500)
		for range 2 * (MaxDistance + 1) {
			if _, err := r.Read(b); err != nil {
				return
			}
		}
	})
}
