package synth

import (
	"bytes"
	"testing"

	"confer/media"
)

func TestPatternMoves(t *testing.T) {
	for _, sz := range [][2]int{{1280, 720}, {320, 180}, {161, 91}, {40, 8}} {
		p := NewPattern(sz[0], sz[1])
		a, b := media.NewI420(sz[0], sz[1]), media.NewI420(sz[0], sz[1])
		for n := 0; n < 300; n++ {
			p.Draw(a, n)
			p.Draw(b, n+1)
			if bytes.Equal(a.Y, b.Y) {
				t.Fatalf("%v: frames %d and %d have the same luma", sz, n, n+1)
			}
		}
	}
}

func TestPatternBoxAvoidsStrip(t *testing.T) {
	const w, h = 640, 360
	p := NewPattern(w, h)
	f := media.NewI420(w, h)
	rows := StripRows(h)
	for n := 0; n < 500; n++ {
		p.Draw(f, n)
		// In the strip band only the bars may be drawn, so every row
		// equals the first.
		for y := 1; y < rows; y++ {
			if !bytes.Equal(f.Y[y*w:(y+1)*w], f.Y[:w]) {
				t.Fatalf("frame %d: box drawn into strip row %d", n, y)
			}
		}
		// And the box is somewhere: some row below differs from row 0.
		found := false
		for y := rows; y < h && !found; y++ {
			found = !bytes.Equal(f.Y[y*w:(y+1)*w], f.Y[:w])
		}
		if !found {
			t.Fatalf("frame %d: no box", n)
		}
	}
}

func TestPatternIgnoresWrongFrame(t *testing.T) {
	p := NewPattern(64, 48)
	f := media.NewI420(32, 24)
	p.Draw(f, 3) // must not panic
	if bytes.ContainsFunc(f.Y, func(r rune) bool { return r != 0 }) {
		t.Fatal("drew into a frame of the wrong size")
	}
	p.Draw(nil, 0)
	p.Draw(&media.VideoFrame{Width: 64, Height: 48}, 0)
	NewPattern(0, 0).Draw(f, 1)
	NewPattern(-1, 5).Draw(f, -7)
	NewPattern(64, 48).Draw(media.NewI420(64, 48), -12345)
}
