package synth

import (
	"testing"
	"time"

	"confer/media"
)

func TestPageIsSharpTextThatMovesAndCarriesTheStrip(t *testing.T) {
	p := NewPage(1920, 1080)
	a, b := media.NewI420(1920, 1080), media.NewI420(1920, 1080)
	p.Draw(a, 0)
	p.Draw(b, 1)
	at := time.UnixMilli(time.Now().UnixMilli())
	StampTime(b, at)
	if got, ok := ReadTime(b); !ok || !got.Equal(at) {
		t.Fatalf("time strip on the page reads %v, %v; want %v", got, ok, at)
	}
	ink, edges := 0, 0
	for i, y := range a.Y {
		if y == pageInk {
			ink++
			if i+1 < len(a.Y) && a.Y[i+1] == pagePaper {
				edges++
			}
		}
	}
	// Text is sparse but everywhere: a few percent ink, nearly all of it in
	// one-pixel strokes next to paper.
	if frac := float64(ink) / float64(len(a.Y)); frac < 0.02 || frac > 0.2 {
		t.Errorf("ink covers %.3f of the page; want text-like 0.02–0.2", frac)
	}
	if edges < ink/3 {
		t.Errorf("only %d of %d ink pixels border paper: strokes are not thin", edges, ink)
	}
	diff := 0
	for i := range a.Y {
		if a.Y[i] != b.Y[i] {
			diff++
		}
	}
	if diff == 0 {
		t.Error("consecutive frames are identical: the caret does not move")
	}
}

func TestPageIgnoresAFrameOfAnotherSize(t *testing.T) {
	p := NewPage(64, 48)
	f := media.NewI420(32, 32)
	p.Draw(f, 3)
	for _, y := range f.Y {
		if y != 0 {
			t.Fatal("a frame of another size was drawn on")
		}
	}
	NewPage(0, 0).Draw(media.NewI420(2, 2), 1) // must not panic
}
