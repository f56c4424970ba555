package video

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"confer/media"
	"confer/media/codec"
	"confer/media/mediatest"
	"confer/media/synth"
)

// packets encodes n frames of the test pattern and packetizes them as a
// sender would, small MTU so frames span several packets.
func packets(t *testing.T, n int, keyAt map[int]bool) [][]*rtp.Packet {
	t.Helper()
	const w, h = 320, 240
	enc, err := codec.NewVP8Encoder(codec.VP8Config{Width: w, Height: h, BitrateKbps: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	pat := synth.NewPattern(w, h)
	f := media.NewI420(w, h)
	pk := rtp.NewPacketizer(400, 96, 1234, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	var out [][]*rtp.Packet
	for i := 0; i < n; i++ {
		pat.Draw(f, i)
		synth.StampTime(f, time.Now())
		data, _, err := enc.Encode(f, keyAt[i], nil)
		if err != nil || len(data) == 0 {
			t.Fatalf("encode %d: %v", i, err)
		}
		out = append(out, pk.Packetize(data, 3000))
	}
	return out
}

func run(t *testing.T, f *mediatest.Feed) (decoded int, strips int, plis int) {
	t.Helper()
	sink := media.FrameSinkFunc(func(fr *media.VideoFrame) {
		decoded++
		if _, ok := synth.ReadTime(fr); ok {
			strips++
		}
	})
	err := Receive(f, ReceiverConfig{Sink: sink, RequestKeyframe: func() { plis++ }, Now: f.Now})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return
}

func TestReceiveDecodesEveryFrame(t *testing.T) {
	frames := packets(t, 20, map[int]bool{0: true})
	f := &mediatest.Feed{}
	for _, fr := range frames {
		if len(fr) < 2 {
			t.Fatalf("frame in %d packet(s); want several to test reassembly", len(fr))
		}
		for _, p := range fr {
			f.Add(p)
		}
	}
	f.InsertRaw(3, []byte{0x80, 0x60}) // a malformed packet
	decoded, strips, plis := run(t, f)
	if decoded != 20 || strips != 20 {
		t.Fatalf("decoded %d frames, %d with a readable strip; want 20", decoded, strips)
	}
	if plis != 0 {
		t.Fatalf("%d keyframe requests on a clean stream that starts with a keyframe; want none", plis)
	}
}

func TestReceiveSkipsToTheNextKeyframeAfterLoss(t *testing.T) {
	frames := packets(t, 20, map[int]bool{0: true, 12: true})
	f := &mediatest.Feed{}
	for i, fr := range frames {
		f.Wait(33 * time.Millisecond) // 30 fps: the lost packet's wait runs out at frame 10
		for j, p := range fr {
			if i == 5 && j == 1 {
				continue // lost
			}
			f.Add(p)
			if i == 8 && j == 0 {
				f.Add(p) // duplicate
			}
		}
	}
	decoded, strips, plis := run(t, f)
	// Frames 0–4 and 12–19: frame 5 waits for a retransmission that never
	// comes, then it and the deltas after it are dropped.
	if decoded != 13 || strips != 13 {
		t.Fatalf("decoded %d frames (%d strips); want 13", decoded, strips)
	}
	if plis < 1 {
		t.Fatalf("%d keyframe requests; want one after the loss", plis)
	}
}

func TestReceiveWaitsForAKeyframe(t *testing.T) {
	frames := packets(t, 10, map[int]bool{0: true, 6: true})
	f := &mediatest.Feed{}
	for _, fr := range frames[2:] { // joined late: the first keyframe was missed
		f.Wait(33 * time.Millisecond)
		for _, p := range fr {
			f.Add(p)
		}
	}
	decoded, _, plis := run(t, f)
	if decoded != 4 {
		t.Fatalf("decoded %d frames; want 4 (from the keyframe on)", decoded)
	}
	// Four delta frames (132 ms) before the keyframe: one request, made
	// when firstKeyframeRetry had passed with no keyframe arriving.
	if plis != 1 {
		t.Fatalf("%d keyframe requests; want 1", plis)
	}
}

// A packet lost and sent again 60 ms later (as the NACK interceptor asks)
// costs nothing: every frame is shown, in order, and no keyframe is asked.
func TestReceiveUsesARetransmission(t *testing.T) {
	frames := packets(t, 20, map[int]bool{0: true})
	f := &mediatest.Feed{}
	var lost *rtp.Packet
	for i, fr := range frames {
		f.Wait(33 * time.Millisecond)
		for j, p := range fr {
			if i == 5 && j == 1 {
				lost = p
				continue
			}
			f.Add(p)
		}
		if i == 7 {
			f.Add(lost) // the retransmission, two frames later
		}
	}
	decoded, strips, plis := run(t, f)
	if decoded != 20 || strips != 20 {
		t.Fatalf("decoded %d frames (%d strips); want all 20", decoded, strips)
	}
	if plis != 0 {
		t.Fatalf("%d keyframe requests; want none", plis)
	}
}
