package widgets

import (
	"math"

	"fyne.io/fyne/v2"
)

// TileAspect is the shape of every tile; video inside keeps its own aspect.
const TileAspect = 16.0 / 9.0

// GridLayout places tiles in the arrangement that makes them largest for the
// container's shape (1, 2 side by side or stacked, 2×2, 3×2, 3×3…), centred,
// with a small gap.
type GridLayout struct {
	Gap float32
}

// Arrange returns columns and rows for n tiles in a w×h area.
func Arrange(n int, w, h, gap float32) (cols, rows int, tile fyne.Size) {
	if n == 0 {
		return 0, 0, fyne.Size{}
	}
	best := float32(-1)
	for c := 1; c <= n; c++ {
		r := int(math.Ceil(float64(n) / float64(c)))
		tw := (w - gap*float32(c-1)) / float32(c)
		th := (h - gap*float32(r-1)) / float32(r)
		// The largest 16:9 tile in a tw×th cell.
		if tw/th > TileAspect {
			tw = th * TileAspect
		} else {
			th = tw / TileAspect
		}
		// On a tie, fewer rows: two people side by side in a wide window.
		if tw > best+0.5 || (tw > best-0.5 && r < rows) {
			best, cols, rows, tile = tw, c, r, fyne.NewSize(tw, th)
		}
	}
	return cols, rows, tile
}

// Layout implements fyne.Layout.
func (g GridLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	visible := make([]fyne.CanvasObject, 0, len(objs))
	for _, o := range objs {
		if o.Visible() {
			visible = append(visible, o)
		}
	}
	cols, rows, tile := Arrange(len(visible), size.Width, size.Height, g.Gap)
	if cols == 0 {
		return
	}
	gridH := float32(rows)*tile.Height + float32(rows-1)*g.Gap
	top := (size.Height - gridH) / 2
	for i, o := range visible {
		row, col := i/cols, i%cols
		inRow := cols
		if row == rows-1 && len(visible)%cols != 0 {
			inRow = len(visible) % cols // centre a short last row
		}
		rowW := float32(inRow)*tile.Width + float32(inRow-1)*g.Gap
		left := (size.Width - rowW) / 2
		o.Move(fyne.NewPos(left+float32(col)*(tile.Width+g.Gap), top+float32(row)*(tile.Height+g.Gap)))
		o.Resize(tile)
	}
}

// MinSize implements fyne.Layout.
func (g GridLayout) MinSize([]fyne.CanvasObject) fyne.Size {
	return fyne.NewSize(160, 90)
}
