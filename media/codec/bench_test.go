package codec

import (
	"math/rand/v2"
	"testing"

	"confer/media"
	"confer/media/synth"
)

// movingFrames precomputes n frames of moving content, so the benchmark
// measures the codec rather than the pattern generator: a scrolling textured
// background (noise, so motion search has real work) and a moving square.
// The scroll period equals n frames, so cycling through them stays smooth.
func movingFrames(w, h, n int) []*media.VideoFrame {
	rng := rand.New(rand.NewPCG(13, 14))
	const period = 64
	tex := make([]byte, (w+period)*h)
	for i := range tex {
		tex[i] = byte(40 + rng.IntN(40) + (i%(w+period))*100/(w+period))
	}
	frames := make([]*media.VideoFrame, n)
	for i := range frames {
		f := media.NewI420(w, h)
		shift := i * period / n
		sq := h / 6
		sx := (w - sq) * i / n
		sy := (h - sq) / 2
		for y := range h {
			row := f.Y[y*f.YStride : y*f.YStride+w]
			copy(row, tex[y*(w+period)+shift:])
			if y >= sy && y < sy+sq {
				for x := sx; x < sx+sq; x++ {
					row[x] = 235
				}
			}
		}
		for j := range f.U {
			f.U[j], f.V[j] = 128+byte(j%16), 128-byte(j%8)
		}
		frames[i] = f
	}
	return frames
}

func benchEncode(b *testing.B, w, h, kbps int) {
	frames := movingFrames(w, h, 16)
	enc := newTestEncoder(b, VP8Config{Width: w, Height: h, BitrateKbps: kbps, CPUUsed: -6})
	pkt := make([]byte, 0, 512<<10)
	var bytes, n int
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		var err error
		pkt, _, err = enc.Encode(frames[i%len(frames)], false, pkt)
		if err != nil {
			b.Fatal(err)
		}
		bytes += len(pkt)
		n++
	}
	b.ReportMetric(float64(bytes)/float64(n), "bytes/frame")
}

func BenchmarkVP8Encode720p(b *testing.B) { benchEncode(b, 1280, 720, 1500) }
func BenchmarkVP8Encode180p(b *testing.B) { benchEncode(b, 320, 180, 200) }

func BenchmarkVP8Decode720p(b *testing.B) {
	const w, h, n = 1280, 720, 60
	frames := movingFrames(w, h, 16)
	enc := newTestEncoder(b, VP8Config{Width: w, Height: h, BitrateKbps: 1500})
	var stream [][]byte
	for i := range n {
		pkt, _, err := enc.Encode(frames[i%len(frames)], i == 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(pkt) > 0 {
			stream = append(stream, pkt)
		}
	}
	dec := newTestDecoder(b)
	// Warm up: the first picture allocates the decoder's output planes.
	if _, err := dec.Decode(stream[0]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// stream[0] is a keyframe, so wrapping around stays decodable.
		if _, err := dec.Decode(stream[(i+1)%len(stream)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpusEncode20ms(b *testing.B) {
	enc, _ := newTestOpus(b, OpusVoIP, 32000)
	in := sine(media.SampleRate, 440, 8000)
	pkt := make([]byte, OpusMaxPacket)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		off := i % 50 * media.FrameSamples
		if _, err := enc.Encode(in[off:off+media.FrameSamples], pkt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpusDecode20ms(b *testing.B) {
	enc, dec := newTestOpus(b, OpusVoIP, 32000)
	in := sine(media.SampleRate, 440, 8000)
	var pkts [][]byte
	for off := 0; off < len(in); off += media.FrameSamples {
		p, err := enc.Encode(in[off:off+media.FrameSamples], make([]byte, OpusMaxPacket))
		if err != nil {
			b.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	pcm := make([]int16, media.FrameSamples)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := dec.Decode(pkts[i%len(pkts)], pcm); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVP8EncodeScreen1080p encodes the synthetic shared screen (text
// with a moving caret) as a screen share is sent: 1080p, screen content mode.
func BenchmarkVP8EncodeScreen1080p(b *testing.B) {
	const w, h = 1920, 1080
	page := synth.NewPage(w, h)
	frames := make([]*media.VideoFrame, 8)
	for i := range frames {
		frames[i] = media.NewI420(w, h)
		page.Draw(frames[i], i)
	}
	enc := newTestEncoder(b, VP8Config{Width: w, Height: h, FPS: 15, BitrateKbps: 2500, Screen: true})
	pkt := make([]byte, 0, 1<<20)
	if _, _, err := enc.Encode(frames[0], true, pkt); err != nil { // the keyframe, outside the loop
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 1; b.Loop(); i++ {
		var err error
		if pkt, _, err = enc.Encode(frames[i%len(frames)], false, pkt); err != nil {
			b.Fatal(err)
		}
	}
}
