package codec

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"confer/media"
)

// pattern draws a synthetic test picture into f: a diagonal luma gradient in
// 16..160 (so nothing in it is near white), a chroma gradient, optional
// per-pixel noise, and a white (235) square of side sq whose top-left corner
// is returned. The square moves 3 px right and 2 px down per frame i.
func pattern(f *media.VideoFrame, i, sq, noise int, rng *rand.Rand) (x0, y0 int) {
	w, h := f.Width, f.Height
	x0 = (10 + 3*i) % (w - sq)
	y0 = (8 + 2*i) % (h - sq)
	for y := range h {
		row := f.Y[y*f.YStride : y*f.YStride+w]
		for x := range row {
			v := 16 + 144*(x+y)/(w+h)
			if noise > 0 {
				v += rng.IntN(2*noise+1) - noise
			}
			if x >= x0 && x < x0+sq && y >= y0 && y < y0+sq {
				v = 235
			}
			row[x] = byte(min(max(v, 0), 255))
		}
	}
	cw, ch := f.ChromaSize()
	for y := range ch {
		for x := range cw {
			f.U[y*f.UStride+x] = byte(96 + 64*x/cw)
			f.V[y*f.VStride+x] = byte(160 - 64*y/ch)
		}
	}
	return x0, y0
}

// planePSNR compares the visible w x h part of two planes.
func planePSNR(a, b []byte, sa, sb, w, h int) float64 {
	var se float64
	for y := range h {
		ra, rb := a[y*sa:y*sa+w], b[y*sb:y*sb+w]
		for x := range ra {
			d := float64(ra[x]) - float64(rb[x])
			se += d * d
		}
	}
	mse := se / float64(w*h)
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// whiteCentroid returns the centroid of near-white luma pixels.
func whiteCentroid(f *media.VideoFrame) (cx, cy float64, n int) {
	for y := range f.Height {
		for x := range f.Width {
			if f.Y[y*f.YStride+x] > 200 {
				cx += float64(x)
				cy += float64(y)
				n++
			}
		}
	}
	if n == 0 {
		return -1, -1, 0
	}
	return cx / float64(n), cy / float64(n), n
}

func newTestEncoder(t testing.TB, cfg VP8Config) *VP8Encoder {
	t.Helper()
	e, err := NewVP8Encoder(cfg)
	if err != nil {
		t.Fatalf("NewVP8Encoder(%+v): %v", cfg, err)
	}
	t.Cleanup(e.Close)
	return e
}

func newTestDecoder(t testing.TB) *VP8Decoder {
	t.Helper()
	d, err := NewVP8Decoder()
	if err != nil {
		t.Fatalf("NewVP8Decoder: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

func TestVP8RoundTrip(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{320, 240}, {321, 181}, {640, 360}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			enc := newTestEncoder(t, VP8Config{Width: sz.w, Height: sz.h, BitrateKbps: 500})
			dec := newTestDecoder(t)
			in := media.NewI420(sz.w, sz.h)
			const sq = 32
			var pkt []byte
			var keyframes, dropped int
			var prevOut *media.VideoFrame
			for i := range 30 {
				x0, y0 := pattern(in, i, sq, 0, nil)
				var key bool
				var err error
				pkt, key, err = enc.Encode(in, i == 10, pkt)
				if err != nil {
					t.Fatalf("frame %d: Encode: %v", i, err)
				}
				if len(pkt) == 0 {
					if i == 0 || i == 10 {
						t.Fatalf("frame %d dropped", i)
					}
					dropped++
					continue
				}
				if (i == 0 || i == 10) && !key {
					t.Errorf("frame %d: want keyframe", i)
				}
				if key {
					keyframes++
				}
				out, err := dec.Decode(pkt)
				if err != nil {
					t.Fatalf("frame %d (%d bytes, key=%v): Decode: %v", i, len(pkt), key, err)
				}
				if prevOut != nil && out != prevOut {
					t.Errorf("frame %d: decoder did not reuse its output frame", i)
				}
				prevOut = out
				if out.Width != sz.w || out.Height != sz.h {
					t.Fatalf("frame %d: decoded %dx%d, want %dx%d", i, out.Width, out.Height, sz.w, sz.h)
				}
				if cw, ch := out.ChromaSize(); len(out.U) < cw*ch || len(out.V) < cw*ch || len(out.Y) < sz.w*sz.h {
					t.Fatalf("frame %d: short planes", i)
				}
				psnr := planePSNR(in.Y, out.Y, in.YStride, out.YStride, sz.w, sz.h)
				if psnr < 30 {
					t.Errorf("frame %d: luma PSNR %.1f dB < 30", i, psnr)
				}
				cw, ch := in.ChromaSize()
				pu := planePSNR(in.U, out.U, in.UStride, out.UStride, cw, ch)
				pv := planePSNR(in.V, out.V, in.VStride, out.VStride, cw, ch)
				if pu < 30 || pv < 30 {
					t.Errorf("frame %d: chroma PSNR U %.1f V %.1f dB < 30", i, pu, pv)
				}
				cx, cy, n := whiteCentroid(out)
				wantX, wantY := float64(x0)+sq/2-0.5, float64(y0)+sq/2-0.5
				if math.Abs(cx-wantX) > 1.5 || math.Abs(cy-wantY) > 1.5 || n < sq*sq*8/10 {
					t.Errorf("frame %d: white square at (%.1f,%.1f) n=%d, want (%.1f,%.1f) n~%d", i, cx, cy, n, wantX, wantY, sq*sq)
				}
				if i == 29 {
					t.Logf("last frame: %d bytes, PSNR %.1f dB", len(pkt), psnr)
				}
			}
			if keyframes > 3 {
				t.Errorf("%d keyframes in 30 frames; want only the first, the forced one and at most one more", keyframes)
			}
			if dropped > 2 {
				t.Errorf("%d of 30 frames dropped at a generous bitrate", dropped)
			}
		})
	}
}

func TestVP8EncodeBadFrames(t *testing.T) {
	enc := newTestEncoder(t, VP8Config{Width: 320, Height: 240, BitrateKbps: 300})
	check := func(name string, f *media.VideoFrame, want error) {
		t.Helper()
		out, key, err := enc.Encode(f, false, nil)
		if !errors.Is(err, want) || len(out) != 0 || key {
			t.Errorf("%s: got (%d bytes, %v, %v), want %v", name, len(out), key, err, want)
		}
	}
	check("nil frame", nil, ErrBadFrame)
	check("wider", media.NewI420(322, 240), ErrFrameSize)
	check("shorter", media.NewI420(320, 182), ErrFrameSize)
	check("empty", &media.VideoFrame{Width: 320, Height: 240}, ErrBadFrame)

	f := media.NewI420(320, 240)
	f.Y = f.Y[:len(f.Y)-1]
	check("short Y", f, ErrBadFrame)
	f = media.NewI420(320, 240)
	f.V = f.V[:len(f.V)-1]
	check("short V", f, ErrBadFrame)
	f = media.NewI420(320, 240)
	f.UStride = 159
	check("narrow U stride", f, ErrBadFrame)
	f = media.NewI420(320, 240)
	f.YStride = -320
	check("negative stride", f, ErrBadFrame)
	f = media.NewI420(320, 240)
	f.YStride = 1 << 40
	check("huge stride", f, ErrBadFrame)

	// A frame with padded strides is fine.
	p := &media.VideoFrame{Width: 320, Height: 240, YStride: 384, UStride: 200, VStride: 256}
	p.Y = make([]byte, 384*240)
	p.U = make([]byte, 200*120)
	p.V = make([]byte, 256*119+160)
	pattern(p, 0, 32, 0, nil)
	if out, key, err := enc.Encode(p, false, nil); err != nil || len(out) == 0 || !key {
		t.Errorf("padded frame: got (%d bytes, key=%v, %v), want a keyframe", len(out), key, err)
	}
}

func TestVP8BadConfig(t *testing.T) {
	for _, cfg := range []VP8Config{
		{Width: 0, Height: 240, BitrateKbps: 500},
		{Width: 320, Height: -1, BitrateKbps: 500},
		{Width: 20000, Height: 240, BitrateKbps: 500},
		{Width: 320, Height: 240},
		{Width: 320, Height: 240, BitrateKbps: 500, CPUUsed: -17},
		{Width: 320, Height: 240, BitrateKbps: 500, FPS: -1},
		{Width: 320, Height: 240, BitrateKbps: 500, Threads: -2},
	} {
		if e, err := NewVP8Encoder(cfg); !errors.Is(err, ErrInvalidArg) {
			t.Errorf("NewVP8Encoder(%+v) = %v, want ErrInvalidArg", cfg, err)
			if e != nil {
				e.Close()
			}
		}
	}
}

// encodeStream returns n encoded frames of the moving pattern (keyframe first).
func encodeStream(t testing.TB, w, h, n, kbps int) [][]byte {
	t.Helper()
	enc := newTestEncoder(t, VP8Config{Width: w, Height: h, BitrateKbps: kbps})
	in := media.NewI420(w, h)
	var frames [][]byte
	for i := range n {
		pattern(in, i, 32, 0, nil)
		pkt, _, err := enc.Encode(in, false, nil)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		if len(pkt) > 0 {
			frames = append(frames, pkt)
		}
	}
	return frames
}

func TestVP8DecodeBadData(t *testing.T) {
	frames := encodeStream(t, 320, 240, 10, 500)
	key, delta := frames[0], frames[1]
	rng := rand.New(rand.NewPCG(1, 2))

	dec := newTestDecoder(t)
	if _, err := dec.Decode(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Decode(nil) = %v, want ErrCorrupt", err)
	}
	if _, err := dec.Decode(delta); !errors.Is(err, ErrCorrupt) {
		t.Errorf("delta frame before keyframe: %v, want ErrCorrupt", err)
	}
	// Before any keyframe nothing random can be a picture: a keyframe needs a
	// start code, a delta frame needs a keyframe.
	for i := range 2000 {
		b := make([]byte, 1+rng.IntN(3000))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if f, err := dec.Decode(b); err == nil {
			t.Fatalf("garbage %d (%d bytes) decoded to %dx%d", i, len(b), f.Width, f.Height)
		}
	}
	// Every truncation of a keyframe is detected.
	for n := 1; n < len(key); n += 1 + n/16 {
		if _, err := dec.Decode(key[:n]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("keyframe truncated to %d of %d bytes: %v, want ErrCorrupt", n, len(key), err)
		}
	}

	// The decoder recovers at a keyframe...
	if f, err := dec.Decode(key); err != nil || f.Width != 320 {
		t.Fatalf("keyframe after garbage: %v", err)
	}
	// ...and survives garbage, truncated and bit-flipped delta frames after
	// it. libvpx cannot catch every corruption of a delta frame, so only
	// require no crash and a sane picture when it claims success. Each
	// damaged frame follows a clean keyframe: after one failure libvpx
	// rejects every later delta frame, which would hide the decode paths.
	var failed int
	for i := range 3000 {
		if _, err := dec.Decode(key); err != nil {
			t.Fatalf("keyframe: %v", err)
		}
		var b []byte
		switch i % 3 {
		case 0:
			b = make([]byte, 1+rng.IntN(2000))
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
		case 1:
			b = delta[:rng.IntN(len(delta))+1]
		case 2:
			src := frames[1+rng.IntN(len(frames)-1)]
			b = append([]byte(nil), src...)
			for range 1 + rng.IntN(8) {
				b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
			}
		}
		f, err := dec.Decode(b)
		if err != nil {
			failed++
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNoFrame) {
				t.Fatalf("bad delta %d: unexpected error class: %v", i, err)
			}
			continue
		}
		if f.Width != 320 || f.Height != 240 {
			t.Fatalf("bad delta %d decoded to %dx%d", i, f.Width, f.Height)
		}
	}
	t.Logf("%d of 3000 damaged delta frames rejected", failed)
	if failed == 0 {
		t.Error("no damaged delta frame was rejected")
	}
	// A keyframe restores a clean picture.
	if f, err := dec.Decode(key); err != nil || f.Width != 320 {
		t.Fatalf("keyframe after damage: %v", err)
	}
	if _, err := dec.Decode(delta); err != nil {
		t.Fatalf("delta after recovery keyframe: %v", err)
	}
}

// After a lost delta frame, libvpx marks the reference as damaged and the
// decoder must report it rather than show garbage, until the next keyframe.
func TestVP8DecodeMissingReference(t *testing.T) {
	frames := encodeStream(t, 320, 240, 10, 500)
	dec := newTestDecoder(t)
	for _, i := range []int{0, 1, 2} {
		if _, err := dec.Decode(frames[i]); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	// Frame 3 is "lost" half way.
	if _, err := dec.Decode(frames[3][:len(frames[3])/2]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated frame 3: %v, want ErrCorrupt", err)
	}
	if _, err := dec.Decode(frames[4]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("frame 4 after damaged frame 3: %v, want ErrCorrupt", err)
	}
	if _, err := dec.Decode(frames[0]); err != nil {
		t.Errorf("keyframe: %v", err)
	}
}

// A keyframe of another size switches the decoder's output size.
func TestVP8DecodeResolutionChange(t *testing.T) {
	dec := newTestDecoder(t)
	for _, sz := range []struct{ w, h int }{{320, 240}, {640, 360}, {161, 99}, {320, 240}} {
		frames := encodeStream(t, sz.w, sz.h, 3, 400)
		for i, pkt := range frames {
			f, err := dec.Decode(pkt)
			if err != nil {
				t.Fatalf("%dx%d frame %d: %v", sz.w, sz.h, i, err)
			}
			if f.Width != sz.w || f.Height != sz.h || f.YStride != sz.w || len(f.Y) != sz.w*sz.h {
				t.Fatalf("%dx%d frame %d: got %dx%d stride %d", sz.w, sz.h, i, f.Width, f.Height, f.YStride)
			}
		}
	}
}

// A stream that moves to a smaller layer gives back the larger picture's
// buffer; one that only wobbles in size keeps it.
func TestVP8DecodeBufferFollowsTheLayer(t *testing.T) {
	dec := newTestDecoder(t)
	for _, sz := range []struct{ w, h, wantCap int }{
		{1280, 720, 1280 * 720 * 3 / 2},
		{640, 360, 640 * 360 * 3 / 2},
		{632, 352, 640 * 360 * 3 / 2},
		{1280, 720, 1280 * 720 * 3 / 2},
	} {
		for _, pkt := range encodeStream(t, sz.w, sz.h, 2, 400) {
			if _, err := dec.Decode(pkt); err != nil {
				t.Fatalf("%dx%d: %v", sz.w, sz.h, err)
			}
		}
		if got := cap(dec.buf); got != sz.wantCap {
			t.Errorf("after %dx%d the picture buffer holds %d bytes, want %d", sz.w, sz.h, got, sz.wantCap)
		}
	}
}

func TestVP8SetBitrate(t *testing.T) {
	const w, h = 320, 240
	enc := newTestEncoder(t, VP8Config{Width: w, Height: h, BitrateKbps: 2000})
	in := media.NewI420(w, h)
	rng := rand.New(rand.NewPCG(3, 4))
	// Noisy content never becomes cheap, so the output size follows the
	// target rather than the content.
	phase := func(first, n int) float64 {
		var total, frames int
		var pkt []byte
		for i := range n {
			pattern(in, first+i, 32, 24, rng)
			var err error
			pkt, _, err = enc.Encode(in, false, pkt)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if i >= n/2 { // let rate control settle first
				total += len(pkt)
				frames++
			}
		}
		return float64(total) / float64(frames)
	}
	high := phase(0, 60)
	if err := enc.SetBitrate(100); err != nil {
		t.Fatalf("SetBitrate(100): %v", err)
	}
	low := phase(60, 60)
	t.Logf("avg frame: %.0f bytes at 2000 kbps, %.0f bytes at 100 kbps", high, low)
	if high < 4*low {
		t.Errorf("SetBitrate had too little effect: %.0f vs %.0f bytes/frame", high, low)
	}
	// Expect roughly the target: 2000 kbps / 30 fps = 8333 bytes.
	if high < 8333/2 || high > 8333*2 {
		t.Errorf("at 2000 kbps got %.0f bytes/frame, want ~8333", high)
	}
	if err := enc.SetBitrate(0); !errors.Is(err, ErrInvalidArg) {
		t.Errorf("SetBitrate(0) = %v, want ErrInvalidArg", err)
	}
}

// Frame timestamps that are twice as far apart as 1/FPS must give frames
// about twice the bytes: rate control budgets per second, not per frame.
func TestVP8TimestampsDriveRateControl(t *testing.T) {
	avg := func(interval time.Duration) float64 {
		enc := newTestEncoder(t, VP8Config{Width: 320, Height: 240, BitrateKbps: 600, FPS: 30})
		in := media.NewI420(320, 240)
		rng := rand.New(rand.NewPCG(5, 6))
		t0 := time.Now()
		var total int
		var pkt []byte
		for i := range 90 {
			pattern(in, i, 32, 24, rng)
			in.Timestamp = t0.Add(time.Duration(i) * interval)
			var err error
			pkt, _, err = enc.Encode(in, false, pkt)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if i >= 45 {
				total += len(pkt)
			}
		}
		return float64(total) / 45
	}
	at30, at15 := avg(time.Second/30), avg(time.Second/15)
	t.Logf("avg frame: %.0f bytes at 30 fps timestamps, %.0f at 15 fps", at30, at15)
	if r := at15 / at30; r < 1.5 || r > 2.7 {
		t.Errorf("15 fps frames are %.2fx the 30 fps ones, want ~2x", r)
	}
}

func TestVP8Closed(t *testing.T) {
	enc, err := NewVP8Encoder(VP8Config{Width: 64, Height: 64, BitrateKbps: 100})
	if err != nil {
		t.Fatal(err)
	}
	enc.Close()
	enc.Close()
	if _, _, err := enc.Encode(media.NewI420(64, 64), false, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Encode after Close: %v", err)
	}
	if err := enc.SetBitrate(100); !errors.Is(err, ErrClosed) {
		t.Errorf("SetBitrate after Close: %v", err)
	}
	dec, err := NewVP8Decoder()
	if err != nil {
		t.Fatal(err)
	}
	dec.Close()
	dec.Close()
	if _, err := dec.Decode([]byte{1, 2, 3}); !errors.Is(err, ErrClosed) {
		t.Errorf("Decode after Close: %v", err)
	}
}

// Close racing with Encode/Decode must not free the C state under them
// (run with -race).
func TestVP8ConcurrentClose(t *testing.T) {
	frames := encodeStream(t, 160, 120, 5, 300)
	for range 20 {
		enc, err := NewVP8Encoder(VP8Config{Width: 160, Height: 120, BitrateKbps: 300})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := NewVP8Decoder()
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			in := media.NewI420(160, 120)
			var pkt []byte
			for i := 0; ; i++ {
				var err error
				if pkt, _, err = enc.Encode(in, false, pkt); errors.Is(err, ErrClosed) {
					break
				}
				if _, err := dec.Decode(frames[i%len(frames)]); errors.Is(err, ErrClosed) {
					break
				}
			}
		}()
		time.Sleep(time.Millisecond)
		enc.Close()
		dec.Close()
		<-done
	}
}

func TestVP8NoAllocs(t *testing.T) {
	const w, h = 320, 240
	enc := newTestEncoder(t, VP8Config{Width: w, Height: h, BitrateKbps: 500})
	in := media.NewI420(w, h)
	pattern(in, 0, 32, 0, nil)
	pkt := make([]byte, 0, 256<<10)
	i := 0
	a := testing.AllocsPerRun(50, func() {
		i++
		pattern(in, i, 32, 0, nil)
		in.Timestamp = time.Unix(0, 0).Add(time.Duration(i) * time.Second / 30)
		pkt, _, _ = enc.Encode(in, i%20 == 0, pkt)
	})
	if a != 0 {
		t.Errorf("Encode: %.1f allocs/op, want 0", a)
	}

	frames := encodeStream(t, w, h, 30, 500)
	dec := newTestDecoder(t)
	if _, err := dec.Decode(frames[0]); err != nil {
		t.Fatal(err)
	}
	i = 0
	a = testing.AllocsPerRun(50, func() {
		i++
		if _, err := dec.Decode(frames[i%len(frames)]); err != nil {
			t.Fatal(err)
		}
	})
	if a != 0 {
		t.Errorf("Decode: %.1f allocs/op, want 0", a)
	}
}
