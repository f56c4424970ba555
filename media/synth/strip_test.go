package synth

import (
	"math/rand/v2"
	"testing"
	"time"

	"confer/media"
)

// testTime is an arbitrary capture time with a non-round millisecond.
var testTime = time.UnixMilli(1_785_000_123_457)

func stamped(w, h int, t time.Time) *media.VideoFrame {
	f := media.NewI420(w, h)
	NewPattern(w, h).Draw(f, 17)
	StampTime(f, t)
	return f
}

func TestStripRoundTrip(t *testing.T) {
	for _, sz := range [][2]int{{1280, 720}, {640, 480}, {320, 180}, {160, 90}, {1920, 1080}, {40, 8}} {
		f := stamped(sz[0], sz[1], testTime)
		got, ok := ReadTimeNear(f, testTime.Add(300*time.Millisecond))
		if !ok || !got.Equal(testTime) {
			t.Errorf("%v: got %v ok=%v, want %v", sz, got, ok, testTime)
		}
	}
}

func TestStripReadTimeUsesNow(t *testing.T) {
	now := time.Now()
	f := stamped(320, 180, now)
	got, ok := ReadTime(f)
	if !ok || got.UnixMilli() != now.UnixMilli() {
		t.Fatalf("got %v ok=%v, want %v", got, ok, now)
	}
}

func TestStripRows(t *testing.T) {
	for h, want := range map[int]int{720: 30, 1080: 46, 360: 16, 180: 8, 90: 8, 480: 20, 8: 8, 7: 0} {
		if got := StripRows(h); got != want {
			t.Errorf("StripRows(%d) = %d, want %d", h, got, want)
		}
	}
}

func TestStripSurvivesNoise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sz := range [][2]int{{1280, 720}, {320, 180}, {160, 90}} {
		f := stamped(sz[0], sz[1], testTime)
		for i, v := range f.Y {
			f.Y[i] = byte(min(max(int(v)+rng.IntN(41)-20, 0), 255))
		}
		got, ok := ReadTimeNear(f, testTime)
		if !ok || !got.Equal(testTime) {
			t.Errorf("%v with noise: got %v ok=%v", sz, got, ok)
		}
	}
}

// halve box-filters an I420 frame down to half size, like a simple scaler.
func halve(f *media.VideoFrame) *media.VideoFrame {
	g := media.NewI420(f.Width/2, f.Height/2)
	down := func(dst []byte, dstStride, dw, dh int, src []byte, srcStride int) {
		for y := range dh {
			for x := range dw {
				s := int(src[2*y*srcStride+2*x]) + int(src[2*y*srcStride+2*x+1]) +
					int(src[(2*y+1)*srcStride+2*x]) + int(src[(2*y+1)*srcStride+2*x+1])
				dst[y*dstStride+x] = byte((s + 2) / 4)
			}
		}
	}
	cw, ch := g.ChromaSize()
	down(g.Y, g.YStride, g.Width, g.Height, f.Y, f.YStride)
	down(g.U, g.UStride, cw, ch, f.U, f.UStride)
	down(g.V, g.VStride, cw, ch, f.V, f.VStride)
	return g
}

func TestStripSurvivesDownscale(t *testing.T) {
	g := halve(stamped(640, 360, testTime))
	got, ok := ReadTimeNear(g, testTime)
	if !ok || !got.Equal(testTime) {
		t.Fatalf("after 2x downscale: got %v ok=%v", got, ok)
	}
	g = halve(halve(stamped(1280, 720, testTime)))
	got, ok = ReadTimeNear(g, testTime)
	if !ok || !got.Equal(testTime) {
		t.Fatalf("after 4x downscale: got %v ok=%v", got, ok)
	}
}

// A picture shown in a window's tile is scaled by whatever ratio the tile
// has: 640×360 drawn at 556×313 makes blocks 13.9 pixels wide.
func TestStripSurvivesAnyScale(t *testing.T) {
	for _, sz := range [][4]int{{640, 360, 556, 313}, {640, 360, 561, 315}, {1280, 720, 1003, 564}, {320, 180, 367, 206}} {
		g := scaled(stamped(sz[0], sz[1], testTime), sz[2], sz[3])
		if got, ok := ReadTimeNear(g, testTime); !ok || !got.Equal(testTime) {
			t.Errorf("%d×%d shown at %d×%d: got %v ok=%v", sz[0], sz[1], sz[2], sz[3], got, ok)
		}
	}
}

// scaled is f's luma resized to w×h by nearest neighbour, as a painter
// without filtering draws it.
func scaled(f *media.VideoFrame, w, h int) *media.VideoFrame {
	g := media.NewI420(w, h)
	for y := range h {
		for x := range w {
			g.Y[y*g.YStride+x] = f.Y[(y*f.Height/h)*f.YStride+x*f.Width/w]
		}
	}
	return g
}

func TestStripAbsent(t *testing.T) {
	for _, sz := range [][2]int{{1280, 720}, {320, 180}, {160, 90}} {
		w, h := sz[0], sz[1]
		p := NewPattern(w, h)
		f := media.NewI420(w, h)
		for n := range 500 {
			p.Draw(f, n)
			if got, ok := ReadTimeNear(f, testTime); ok {
				t.Fatalf("%v pattern frame %d read as %v", sz, n, got)
			}
		}
		for _, level := range []byte{0, 16, 128, 235, 255} {
			fill(f.Y, level)
			fill(f.U, 128)
			fill(f.V, 128)
			if got, ok := ReadTimeNear(f, testTime); ok {
				t.Fatalf("%v flat %d read as %v", sz, level, got)
			}
		}
	}
	if _, ok := ReadTimeNear(nil, testTime); ok {
		t.Fatal("nil frame read")
	}
	if _, ok := ReadTimeNear(&media.VideoFrame{Width: 320, Height: 180}, testTime); ok {
		t.Fatal("frame without planes read")
	}
	StampTime(nil, testTime) // no panic
	StampTime(&media.VideoFrame{Width: 320, Height: 180, YStride: 320}, testTime)
}

func TestStripCorruptBit(t *testing.T) {
	const w, h = 320, 180
	bw, rows := w/40, StripRows(h)
	for bit := range 40 {
		f := stamped(w, h, testTime)
		for y := range rows {
			for x := bit * bw; x < (bit+1)*bw; x++ {
				f.Y[y*f.YStride+x] = 251 - f.Y[y*f.YStride+x] // swap 16 and 235
			}
		}
		if got, ok := ReadTimeNear(f, testTime); ok {
			t.Errorf("bit %d flipped, still read %v", bit, got)
		}
	}
}

func TestStripWrapAround(t *testing.T) {
	const wrap = int64(1) << 32
	for _, c := range []struct {
		ms  int64
		now time.Duration // now - capture
	}{
		{400*wrap - 10, 50 * time.Millisecond},  // captured before the wrap, read after
		{400*wrap + 10, -50 * time.Millisecond}, // read "before" (clock skew)
		{400*wrap - 1, time.Millisecond},
		{400 * wrap, 20 * 24 * time.Hour}, // far, but under half a wrap
		{400 * wrap, -20 * 24 * time.Hour},
		{-5, 10 * time.Millisecond}, // before 1970
	} {
		tm := time.UnixMilli(c.ms)
		f := stamped(320, 180, tm)
		got, ok := ReadTimeNear(f, tm.Add(c.now))
		if !ok || !got.Equal(tm) {
			t.Errorf("ms=%d now+%v: got %v (%d) ok=%v", c.ms, c.now, got, got.UnixMilli(), ok)
		}
	}
}

// The strip reads back from the RGBA a window paints as well as from I420.
func TestReadTimeRGBA(t *testing.T) {
	f := media.NewI420(320, 180)
	at := time.UnixMilli(1_700_000_123_456)
	StampTime(f, at)
	stride := 4 * f.Width
	pix := make([]byte, stride*f.Height)
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			v := f.Y[y*f.YStride+x]
			copy(pix[y*stride+4*x:], []byte{v, v, v, 255})
		}
	}
	got, ok := ReadTimeRGBA(pix, stride, f.Width, f.Height, at)
	if !ok || !got.Equal(at) {
		t.Fatalf("read %v (ok %v), want %v", got, ok, at)
	}
	if _, ok := ReadTimeRGBA(pix[:10], stride, f.Width, f.Height, at); ok {
		t.Fatal("a short buffer read as a time")
	}
}
