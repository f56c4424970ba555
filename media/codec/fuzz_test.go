package codec

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"confer/media"
)

// Fuzz inputs that carry several frames give each a 2-byte big-endian
// length first, so one input can set up a decoder's state (a keyframe)
// and then attack it (a delta that lies about its references).
const maxFuzzFrames = 16

func splitFrames(data []byte) [][]byte {
	var out [][]byte
	for len(data) >= 2 && len(out) < maxFuzzFrames {
		n := min(int(binary.BigEndian.Uint16(data)), len(data)-2)
		out = append(out, data[2:2+n])
		data = data[2+n:]
	}
	return out
}

func joinFrames(frames ...[]byte) []byte {
	var out []byte
	for _, f := range frames {
		out = binary.BigEndian.AppendUint16(out, uint16(len(f)))
		out = append(out, f...)
	}
	return out
}

// encodedFrames are real frames of the test pattern: a keyframe and deltas.
func encodedFrames(tb testing.TB, w, h, n int) [][]byte {
	tb.Helper()
	enc := newTestEncoder(tb, VP8Config{Width: w, Height: h, BitrateKbps: 200})
	f := media.NewI420(w, h)
	rng := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for i := range n {
		pattern(f, i, min(w, h)/4, 4, rng)
		data, _, err := enc.Encode(f, i == 0, nil)
		if err != nil {
			tb.Fatalf("encode: %v", err)
		}
		out = append(out, append([]byte(nil), data...))
	}
	return out
}

// maxDecodeTime bounds one frame's decode in the fuzz target, generously:
// the largest picture accepted decodes in tens of milliseconds, and the
// machine may be busy. A frame that takes longer is a way to stall every
// receiver in a call.
const maxDecodeTime = 2 * time.Second

// FuzzVP8Decode feeds frames to one decoder. It must not crash, must fail
// only with the package's errors, must not take long over any frame, and a
// picture it returns must be no larger than MaxVP8Pixels, with planes that
// match its size.
func FuzzVP8Decode(f *testing.F) {
	small := encodedFrames(f, 64, 48, 4)
	other := encodedFrames(f, 96, 64, 2)
	f.Add(joinFrames(small...))
	f.Add(joinFrames(small[0]))
	f.Add(joinFrames(small[1], small[0], small[2]))           // a delta before its keyframe
	f.Add(joinFrames(small[0], small[1], other[0], other[1])) // the size changes
	f.Add(joinFrames(small[0][:len(small[0])/2], small[1]))   // a truncated keyframe
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewVP8Decoder()
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		for _, frame := range splitFrames(data) {
			start := time.Now()
			pic, err := d.Decode(frame)
			if took := time.Since(start); took > maxDecodeTime {
				t.Fatalf("a %d-byte frame took %v to decode", len(frame), took)
			}
			if err != nil {
				if !isCodecError(err) {
					t.Fatalf("Decode: unexpected error %v", err)
				}
				continue
			}
			checkPicture(t, pic)
		}
	})
}

func isCodecError(err error) bool {
	for _, known := range []error{ErrCorrupt, ErrNoFrame, ErrInvalidArg, ErrCodec} {
		if errors.Is(err, known) {
			return true
		}
	}
	return false
}

func checkPicture(t *testing.T, f *media.VideoFrame) {
	t.Helper()
	w, h := f.Width, f.Height
	if w <= 0 || h <= 0 || w > MaxVP8Side || h > MaxVP8Side || w*h > MaxVP8Pixels {
		t.Fatalf("decoded a %d×%d picture; the bound is %d pixels, %d a side", w, h, MaxVP8Pixels, MaxVP8Side)
	}
	cw, ch := f.ChromaSize()
	if len(f.Y) != w*h || len(f.U) != cw*ch || len(f.V) != cw*ch || f.YStride != w || f.UStride != cw || f.VStride != cw {
		t.Fatalf("%d×%d picture with planes %d/%d/%d, strides %d/%d/%d", w, h, len(f.Y), len(f.U), len(f.V), f.YStride, f.UStride, f.VStride)
	}
}

// FuzzOpusDecode decodes a packet, the FEC in it, and a concealed frame
// after it. Nothing may crash; a packet that decodes gives exactly the
// samples its table-of-contents byte announces (RFC 6716, 3.1–3.2); FEC
// and concealment give exactly what was asked.
func FuzzOpusDecode(f *testing.F) {
	enc, _ := newTestOpus(f, OpusVoIP, 32000)
	_ = enc.SetInbandFEC(true, 10)
	pcm := sine(media.FrameSamples*media.Channels, 440, 8000)
	for i := range 3 {
		pkt, err := enc.Encode(pcm, make([]byte, OpusMaxPacket))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), pkt...), uint8(i*8))
	}
	f.Add([]byte{0xfc, 0xff, 0xfe}, uint8(7)) // CELT, code 3, count 63
	f.Add([]byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, packet []byte, fecUnits uint8) {
		d, err := NewOpusDecoder(media.Channels)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		out := make([]int16, OpusMaxFrameSamples*media.Channels)
		// FEC rebuilds a frame of whole 2.5 ms units, up to 120 ms.
		units := 1 + int(fecUnits)%(OpusMaxFrameSamples/opusPLCUnit)
		want := units * opusPLCUnit
		if len(packet) > 0 {
			n, err := d.DecodeFEC(packet, out[:want*media.Channels])
			checkOpus(t, "DecodeFEC", n, err, want)
		}
		n, err := d.Decode(packet, out)
		if err == nil && len(packet) > 0 {
			if announced, ok := opusSamples(packet); !ok || n != announced {
				t.Fatalf("Decode gave %d samples; the packet announces %d (valid %v)", n, announced, ok)
			}
		}
		checkOpus(t, "Decode", n, err, -1)
		n, err = d.Decode(nil, out[:media.FrameSamples*media.Channels])
		checkOpus(t, "conceal", n, err, media.FrameSamples)
	})
}

// checkOpus: a known error, or a sample count in range (exactly want, if
// want is not -1).
func checkOpus(t *testing.T, op string, n int, err error, want int) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrBufferSize) {
			t.Fatalf("%s: unexpected error %v", op, err)
		}
		return
	}
	if n < 0 || n > OpusMaxFrameSamples || (want >= 0 && n != want) {
		t.Fatalf("%s gave %d samples (want %d, at most %d)", op, n, want, OpusMaxFrameSamples)
	}
}

// opusSamples is the packet's duration per channel at 48 kHz, from its
// TOC byte and, for code 3, its frame count byte.
func opusSamples(p []byte) (int, bool) {
	config := int(p[0] >> 3)
	var frame int
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = []int{480, 960, 1920, 2880}[config%4]
	case config < 16: // hybrid: 10, 20 ms
		frame = []int{480, 960}[config%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = []int{120, 240, 480, 960}[config%4]
	}
	switch p[0] & 3 {
	case 0:
		return frame, true
	case 1, 2:
		return 2 * frame, true
	}
	if len(p) < 2 {
		return 0, false
	}
	return int(p[1]&0x3f) * frame, true
}

// A keyframe that announces a huge picture is refused before libvpx
// allocates it, and the decoder goes on to decode real frames.
func TestVP8RefusesHugeKeyframes(t *testing.T) {
	frames := encodedFrames(t, 64, 48, 2)
	d := newTestDecoder(t)
	for _, size := range [][2]int{{16383, 16383}, {MaxVP8Side + 1, 16}, {4096, 4096}} {
		key := append([]byte(nil), frames[0]...)
		key[6], key[7] = byte(size[0]), key[7]&0xc0|byte(size[0]>>8)
		key[8], key[9] = byte(size[1]), key[9]&0xc0|byte(size[1]>>8)
		start := time.Now()
		if _, err := d.Decode(key); !errors.Is(err, errTooLarge) {
			t.Fatalf("a keyframe announcing %d×%d: %v; want it refused as too large", size[0], size[1], err)
		}
		if took := time.Since(start); took > 100*time.Millisecond {
			t.Fatalf("refusing it took %v", took)
		}
	}
	for _, f := range frames {
		if pic, err := d.Decode(f); err != nil || pic.Width != 64 {
			t.Fatalf("a real frame after them: %v", err)
		}
	}
}
