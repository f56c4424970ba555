package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// edges is a coloured frame drawn as four thin bars. A canvas.Rectangle
// with only a stroke is painted as a whole rectangle by Fyne's shader,
// every pixel of it: without a GPU, a speaking person's highlight cost as
// much as painting their tile a second time on every repaint. The bars
// cover only the frame's own pixels. Measured in a 1120×640 window of
// four 556×313 frames repainted 25 times a second with one llvmpipe
// thread: 18–21 % of a core as stroked rectangles, 7–11 % as bars
// (2026-11-30).
type edges struct {
	bars  [4]*canvas.Rectangle // top, bottom, left, right
	width float32
	root  *fyne.Container
}

func newEdges(width float32) *edges {
	e := &edges{width: width}
	objs := make([]fyne.CanvasObject, len(e.bars))
	for i := range e.bars {
		e.bars[i] = canvas.NewRectangle(color.Transparent)
		objs[i] = e.bars[i]
	}
	e.root = &fyne.Container{Layout: e, Objects: objs}
	e.Hide()
	return e
}

// Show colours the frame.
func (e *edges) Show(c color.Color) {
	for _, b := range e.bars {
		b.FillColor = c
		b.Refresh()
	}
	e.root.Show()
}

// Hide takes the frame away.
func (e *edges) Hide() { e.root.Hide() }

// Shown tells whether the frame is up.
func (e *edges) Shown() bool { return e.root.Visible() }

// Layout implements fyne.Layout: the bars along the four sides.
func (e *edges) Layout(_ []fyne.CanvasObject, s fyne.Size) {
	w := e.width
	place := func(b *canvas.Rectangle, x, y, bw, bh float32) {
		b.Move(fyne.NewPos(x, y))
		b.Resize(fyne.NewSize(bw, bh))
	}
	place(e.bars[0], 0, 0, s.Width, w)
	place(e.bars[1], 0, s.Height-w, s.Width, w)
	place(e.bars[2], 0, w, w, s.Height-2*w)
	place(e.bars[3], s.Width-w, w, w, s.Height-2*w)
}

// MinSize implements fyne.Layout.
func (e *edges) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(0, 0) }
