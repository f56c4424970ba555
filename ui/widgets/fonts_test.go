package widgets

import (
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Each text style has its own faces, but the fonts they share (Fyne's 4 MB
// emoji font above all) are parsed once (third_party/patches/fyne): a
// second style costs its own font, not every font again.
func TestASecondTextStyleDoesNotParseTheSharedFontsAgain(t *testing.T) {
	test.NewTempApp(t)
	grown := func(style fyne.TextStyle) int64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		fyne.MeasureText("Ada 🙂", 14, style)
		runtime.GC()
		runtime.ReadMemStats(&after)
		return int64(after.HeapAlloc) - int64(before.HeapAlloc)
	}
	first := grown(fyne.TextStyle{})
	second := grown(fyne.TextStyle{Bold: true})
	t.Logf("heap grown by the first style %.1f MB, by a second %.1f MB", float64(first)/1e6, float64(second)/1e6)
	if first < 4e6 || second > first/2 {
		t.Fatalf("the first style took %.1f MB and a second %.1f MB: want the second under half the first", float64(first)/1e6, float64(second)/1e6)
	}
}

// The system's fonts are still there for a character the bundled ones
// lack (Georgian, which DejaVu Sans has), though now looked up only then:
// it is measured as a letter, not as the empty box of a missing glyph.
func TestACharacterTheBundledFontsLackComesFromTheSystem(t *testing.T) {
	test.NewTempApp(t)
	for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
		missing := fyne.MeasureText("\uE000", 14, style) // private use: no font has it
		georgian := fyne.MeasureText("ა", 14, style)
		if georgian.Width <= 0 || georgian.Width >= missing.Width {
			t.Errorf("style %+v: Georgian measured %v, a missing glyph %v", style, georgian, missing)
		}
	}
}
