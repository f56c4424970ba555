package widgets

import (
	"fyne.io/fyne/v2"

	"confer/media/codec"
)

// SetSurface gives the tile a surface to show its video on, or takes it
// away with nil (UI goroutine). The tile does not close it: its owner does,
// after taking it away.
func (t *VideoTile) SetSurface(s Surface) {
	if t.surface != nil && s == nil {
		t.unroute()
	}
	t.surface = s
}

// Surface is the tile's surface, nil when it has none.
func (t *VideoTile) Surface() Surface { return t.surface }

// Native tells whether the frames go to the surface (any goroutine).
func (t *VideoTile) Native() bool { return t.route.Load() != nil }

// SyncSurface places the surface over the tile's picture area and sends the
// frames there; or hides it and lets Fyne paint them (UI goroutine). Fyne
// paints while blocked (something of the app's lies over the tiles: a
// menu, a dialog, which a child window would hide), while the tile is not
// on screen and while it has no video to show.
func (t *VideoTile) SyncSurface(blocked bool) {
	if t.surface == nil {
		return
	}
	x, y, w, h, ok := t.pictureArea()
	if !ok || blocked || !t.Visible() || !t.wantsVideo() {
		t.unroute()
		return
	}
	t.surface.Place(x, y, w, h)
	if t.route.Load() == nil {
		t.route.Store(&nativeRoute{t.surface})
		t.showVideo(false) // the initials until the first frame covers them
		// Fyne's pictures are not shown again (unroute waits for a new
		// one): up to three of the tile's size and a scaled frame, 2 MB
		// for a 556×313 tile, that the heap would keep for good.
		t.img.Image = nil
		t.box.release()
	}
}

// unroute hides the surface; frames go back to Fyne's painting.
func (t *VideoTile) unroute() {
	if t.route.Swap(nil) == nil {
		return
	}
	t.surface.Hide()
	t.painted.Store(false)
	t.hasFrame = false // Fyne's last picture is old: the initials until a new one
	t.showVideo(false)
}

// surfaceInset keeps the speaking highlight, drawn by Fyne at the tile's
// edges, outside the surface.
const surfaceInset = 3

// PictureRect is where the picture is in the window, in pixels: fitted,
// centred, in the surface's area or in the tile. ok is false before a
// frame or outside a window (UI goroutine).
func (t *VideoTile) PictureRect() (x, y, w, h int, ok bool) {
	vw, vh := t.VideoSize()
	if vw <= 0 || vh <= 0 {
		return 0, 0, 0, 0, false
	}
	if t.Native() {
		x, y, w, h, ok = t.pictureArea()
	} else {
		x, y, w, h, ok = t.pixelRect(fyne.NewPos(0, 0), t.Size())
	}
	if !ok {
		return 0, 0, 0, 0, false
	}
	fw, fh := codec.Fit(vw, vh, w, h)
	return x + (w-fw)/2, y + (h-fh)/2, fw, fh, true
}

// pictureArea is where a surface shows the video, in the window's pixels:
// the tile inside its highlight, above the name bar (a child window hides
// whatever Fyne paints under it, so the bar sits below the picture instead
// of over it). ok is false when the tile is not in a window.
func (t *VideoTile) pictureArea() (x, y, w, h int, ok bool) {
	if t.bar == nil {
		return 0, 0, 0, 0, false
	}
	size := t.Size().SubtractWidthHeight(2*surfaceInset, surfaceInset+t.bar.MinSize().Height)
	if size.Width < 16 || size.Height < 16 {
		return 0, 0, 0, 0, false
	}
	return t.pixelRect(fyne.NewPos(surfaceInset, surfaceInset), size)
}

// pixelRect is the part of the tile at pos, of size, in the window's
// pixels; ok is false when the tile is not in a window.
func (t *VideoTile) pixelRect(pos fyne.Position, size fyne.Size) (x, y, w, h int, ok bool) {
	drv := fyne.CurrentApp().Driver()
	c := drv.CanvasForObject(t)
	if c == nil {
		return 0, 0, 0, 0, false
	}
	pos = pos.Add(drv.AbsolutePositionForObject(t))
	x, y = c.PixelCoordinateForPosition(pos)
	x1, y1 := c.PixelCoordinateForPosition(pos.Add(size))
	return x, y, x1 - x, y1 - y, true
}
