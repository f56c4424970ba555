package codec

import (
	"image"
	"testing"

	"confer/media"
)

// solid fills f with one colour given in Y, U, V.
func solid(w, h int, y, u, v byte) *media.VideoFrame {
	f := media.NewI420(w, h)
	for i := range f.Y {
		f.Y[i] = y
	}
	for i := range f.U {
		f.U[i], f.V[i] = u, v
	}
	return f
}

func TestConvertColoursAndScale(t *testing.T) {
	var c Converter
	// BT.601 limited range: Y=81 U=90 V=240 is pure red.
	red := solid(640, 360, 81, 90, 240)
	dst := image.NewRGBA(image.Rect(0, 0, 160, 90))
	if err := c.ToRGBA(red, dst, false); err != nil {
		t.Fatal(err)
	}
	px := dst.RGBAAt(80, 45)
	if px.R < 230 || px.G > 25 || px.B > 25 || px.A != 255 {
		t.Fatalf("red came out as %+v", px)
	}
}

func TestConvertMirrors(t *testing.T) {
	var c Converter
	f := solid(64, 32, 16, 128, 128) // black
	for y := 0; y < 32; y++ {
		for x := 0; x < 16; x++ {
			f.Y[y*f.YStride+x] = 235 // white on the left quarter
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, 64, 32))
	if err := c.ToRGBA(f, dst, true); err != nil {
		t.Fatal(err)
	}
	if l, r := dst.RGBAAt(2, 16).R, dst.RGBAAt(61, 16).R; l > 30 || r < 220 {
		t.Fatalf("mirrored: left %d, right %d; want the white band on the right", l, r)
	}
}

func TestConvertRejectsShortPlanes(t *testing.T) {
	var c Converter
	f := media.NewI420(64, 64)
	f.Y = f.Y[:100]
	if err := c.ToRGBA(f, image.NewRGBA(image.Rect(0, 0, 32, 32)), false); err != ErrBadFrame {
		t.Fatalf("got %v", err)
	}
}

func TestConvertDoesNotAllocate(t *testing.T) {
	var c Converter
	f := solid(1280, 720, 120, 128, 128)
	dst := image.NewRGBA(image.Rect(0, 0, 640, 360))
	allocs := testing.AllocsPerRun(20, func() { _ = c.ToRGBA(f, dst, true) })
	if allocs != 0 {
		t.Fatalf("%.1f allocations per frame", allocs)
	}
}

func BenchmarkConvert720pTo360p(b *testing.B) {
	var c Converter
	f := solid(1280, 720, 120, 128, 128)
	dst := image.NewRGBA(image.Rect(0, 0, 640, 360))
	b.ReportAllocs()
	for b.Loop() {
		_ = c.ToRGBA(f, dst, false)
	}
}

func BenchmarkConvert720pSameSize(b *testing.B) {
	var c Converter
	f := solid(1280, 720, 120, 128, 128)
	dst := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	b.ReportAllocs()
	for b.Loop() {
		_ = c.ToRGBA(f, dst, false)
	}
}

func TestFitWithinKeepsShapeAndEvenSizes(t *testing.T) {
	for _, c := range []struct{ w, h, mw, mh, ww, wh int }{
		{2560, 1440, 1920, 1080, 1920, 1080},
		{3440, 1440, 1920, 1080, 1920, 802},
		{1280, 1024, 1920, 1080, 1280, 1024},
		{1366, 768, 1280, 720, 1280, 718},
		{1001, 701, 4000, 4000, 1000, 700},
	} {
		if w, h := FitWithin(c.w, c.h, c.mw, c.mh); w != c.ww || h != c.wh {
			t.Errorf("FitWithin(%d,%d,%d,%d) = %d,%d; want %d,%d", c.w, c.h, c.mw, c.mh, w, h, c.ww, c.wh)
		}
	}
}

func TestRGBAToI420GivesBT601Colours(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 32))
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 255, 0, 0, 255 // red
	}
	dst := media.NewI420(64, 32)
	if err := RGBAToI420(src, dst); err != nil {
		t.Fatal(err)
	}
	// BT.601 limited range red: Y 81, U 90, V 240.
	if y, u, v := int(dst.Y[100]), int(dst.U[10]), int(dst.V[10]); abs(y-81) > 2 || abs(u-90) > 2 || abs(v-240) > 2 {
		t.Errorf("red became Y %d U %d V %d; want about 81 90 240", y, u, v)
	}
	if err := RGBAToI420(src, media.NewI420(32, 32)); err == nil {
		t.Error("a destination of another size was accepted")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
