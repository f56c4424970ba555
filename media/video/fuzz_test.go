package video

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"confer/media"
	"confer/media/codec"
	"confer/media/mediatest"
	"confer/media/synth"
)

// A fuzz input is a list of records, one per packet as it comes off the
// network: milliseconds since the previous one (1 byte), the packet's
// length (2 bytes, big-endian) and its bytes. At most maxFuzzPackets
// packets of at most 1500 bytes, so one input is bounded work.
const maxFuzzPackets = 200

func feedOf(data []byte) (*mediatest.Feed, int) {
	f := &mediatest.Feed{}
	n := 0
	for len(data) >= 3 && n < maxFuzzPackets {
		wait, size := data[0], min(int(binary.BigEndian.Uint16(data[1:])), len(data)-3, 1500)
		f.Wait(time.Duration(wait) * time.Millisecond)
		f.AddRaw(data[3 : 3+size])
		data = data[3+size:]
		n++
	}
	return f, n
}

func appendRecord(prog []byte, wait byte, pkt []byte) []byte {
	prog = append(prog, wait)
	prog = binary.BigEndian.AppendUint16(prog, uint16(len(pkt)))
	return append(prog, pkt...)
}

// recordedStream is what a sender puts on the wire: frames of the test
// pattern, encoded and packetized, small so a frame spans a few packets.
func recordedStream(tb testing.TB, w, h, n int, keyAt map[int]bool) [][][]byte {
	tb.Helper()
	enc, err := codec.NewVP8Encoder(codec.VP8Config{Width: w, Height: h, BitrateKbps: 150})
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	pat := synth.NewPattern(w, h)
	f := media.NewI420(w, h)
	pk := rtp.NewPacketizer(120, 96, 1234, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewFixedSequencer(100), 90000)
	var out [][][]byte
	for i := range n {
		pat.Draw(f, i)
		data, _, err := enc.Encode(f, keyAt[i], nil)
		if err != nil {
			tb.Fatal(err)
		}
		var frame [][]byte
		for _, p := range pk.Packetize(data, 3000) {
			b, _ := p.Marshal()
			frame = append(frame, b)
		}
		out = append(out, frame)
	}
	return out
}

// seedStreams: a clean stream, one with a lost packet, one reordered, one
// joined late (no keyframe first).
func seedStreams(tb testing.TB) [][]byte {
	frames := recordedStream(tb, 64, 48, 6, map[int]bool{0: true, 4: true})
	var clean, lossy, reordered, late []byte
	for i, fr := range frames {
		for j, p := range fr {
			clean = appendRecord(clean, byte(33*min(j, 1)), p)
			if i != 2 || j != 0 {
				lossy = appendRecord(lossy, 33, p)
			}
			if i >= 2 {
				late = appendRecord(late, 10, p)
			}
		}
		for j := len(fr) - 1; j >= 0; j-- {
			reordered = appendRecord(reordered, 5, fr[j])
		}
	}
	return [][]byte{clean, lossy, reordered, late}
}

// FuzzReceive runs the receive pipeline, RTP to jitter buffer to decoder,
// on hostile packets. It must end when the packets do, deliver no more
// frames than packets came, and every picture must be of a sane size with
// planes that match it.
func FuzzReceive(f *testing.F) {
	for _, s := range seedStreams(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		feed, packets := feedOf(data)
		frames, keyframeRequests := 0, 0
		sink := media.FrameSinkFunc(func(fr *media.VideoFrame) {
			frames++
			checkFrame(t, fr)
		})
		err := Receive(feed, ReceiverConfig{Sink: sink, RequestKeyframe: func() { keyframeRequests++ }, Now: feed.Now})
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if frames > packets {
			t.Fatalf("%d frames out of %d packets", frames, packets)
		}
		if keyframeRequests > packets+1 {
			t.Fatalf("%d keyframe requests for %d packets", keyframeRequests, packets)
		}
	})
}

func checkFrame(t *testing.T, f *media.VideoFrame) {
	t.Helper()
	w, h := f.Width, f.Height
	if w <= 0 || h <= 0 || w > codec.MaxVP8Side || h > codec.MaxVP8Side || w*h > codec.MaxVP8Pixels {
		t.Fatalf("a %d×%d frame", w, h)
	}
	cw, ch := f.ChromaSize()
	if len(f.Y) < w*h || len(f.U) < cw*ch || len(f.V) < cw*ch {
		t.Fatalf("%d×%d frame with planes of %d/%d/%d bytes", w, h, len(f.Y), len(f.U), len(f.V))
	}
}

// The seeds are real streams: the pipeline must show their frames, or
// the fuzzer starts from inputs that never reach the decoder.
func TestFuzzSeedsDecode(t *testing.T) {
	feed, _ := feedOf(seedStreams(t)[0])
	frames := 0
	sink := media.FrameSinkFunc(func(*media.VideoFrame) { frames++ })
	if err := Receive(feed, ReceiverConfig{Sink: sink, Now: feed.Now}); err != nil || frames != 6 {
		t.Fatalf("clean seed: %d frames, %v; want 6", frames, err)
	}
}
