package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"confer/ui/widgets"
)

// Floating reactions: an emoji rises over the sender's tile for three
// seconds, in steps a tenth of a second apart (a handful of repaints, not
// an animation at the display's rate), then goes.
const (
	floatSteps   = 30
	floatStep    = 100 * time.Millisecond
	maxFloating  = 12 // more at once are dropped
	floatingSize = 40
)

// reactionLayer lies over the tiles and holds the emoji floating there.
// UI goroutine only.
type reactionLayer struct {
	root  *fyne.Container // no layout: each emoji placed by hand
	later func(time.Duration, func())
	count int // emoji shown so far, to spread them across a tile
	// onChange, when set, is told when the first emoji starts floating
	// and when the last one goes: video in child windows would hide them.
	onChange func()
}

// active tells whether any emoji is floating.
func (l *reactionLayer) active() bool { return len(l.root.Objects) > 0 }

func (l *reactionLayer) changed() {
	if l.onChange != nil {
		l.onChange()
	}
}

func newReactionLayer(later func(time.Duration, func())) *reactionLayer {
	return &reactionLayer{root: container.NewWithoutLayout(), later: later}
}

// float starts an emoji rising from the bottom of tile, a child of grid.
func (l *reactionLayer) float(grid *fyne.Container, tile *widgets.VideoTile, emoji string) {
	if len(l.root.Objects) >= maxFloating {
		return
	}
	l.count++
	txt := canvas.NewText(emoji, color.White)
	txt.TextSize = floatingSize
	at := grid.Position().Add(tile.Position())
	size := tile.Size()
	spread := [...]float32{0.5, 0.3, 0.7, 0.4, 0.6}[l.count%5]
	start := fyne.NewPos(at.X+size.Width*spread-floatingSize/2, at.Y+size.Height-2*floatingSize)
	rise := (size.Height - 2*floatingSize) * 0.6 / floatSteps
	txt.Move(start)
	txt.Resize(txt.MinSize())
	l.root.Add(txt)
	if len(l.root.Objects) == 1 {
		l.changed()
	}
	l.step(txt, start, rise, 1)
}

func (l *reactionLayer) step(txt *canvas.Text, start fyne.Position, rise float32, n int) {
	l.later(floatStep, func() {
		if n >= floatSteps {
			l.root.Remove(txt)
			if !l.active() {
				l.changed()
			}
			return
		}
		txt.Move(start.SubtractXY(0, rise*float32(n)))
		if n > floatSteps*2/3 { // fades in the last third
			txt.Color = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: uint8(255 * (floatSteps - n) * 3 / floatSteps)}
			txt.Refresh()
		}
		l.step(txt, start, rise, n+1)
	})
}
