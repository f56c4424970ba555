package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"confer/ui/widgets"
)

// Floating reactions tell their owner when the first starts and when the
// last goes: while any floats, the videos leave their child windows, which
// would hide them.
func TestReactionLayerTellsWhenItStartsAndEnds(t *testing.T) {
	test.NewTempApp(t)
	var steps []func()
	l := newReactionLayer(func(_ time.Duration, fn func()) { steps = append(steps, fn) })
	changes := 0
	l.onChange = func() { changes++ }
	tile := widgets.NewVideoTile(widgets.TileInfo{Name: "Ada"}, false, func(fn func()) { fn() })
	grid := container.NewWithoutLayout(tile)
	tile.Resize(fyne.NewSize(320, 180))

	l.float(grid, tile, "👍")
	l.float(grid, tile, "🎉")
	if changes != 1 || !l.active() {
		t.Fatalf("two reactions floating: %d changes told, active %v; want 1, true", changes, l.active())
	}
	for len(steps) > 0 {
		next := steps[0]
		steps = steps[1:]
		next()
	}
	if changes != 2 || l.active() {
		t.Fatalf("all gone: %d changes told, active %v; want 2, false", changes, l.active())
	}
}
