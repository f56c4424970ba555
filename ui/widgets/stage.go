package widgets

import "fyne.io/fyne/v2"

// StageLayout shows its first object large (a shared screen) and the others
// as a strip of tiles beside it in a wide window, or under it in a tall one.
type StageLayout struct {
	Gap float32
}

// stripShare is the part of the window the strip takes.
const stripShare = 0.2

// Layout implements fyne.Layout.
func (s StageLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	visible := make([]fyne.CanvasObject, 0, len(objs))
	for _, o := range objs {
		if o.Visible() {
			visible = append(visible, o)
		}
	}
	if len(visible) == 0 {
		return
	}
	stage, strip := visible[0], visible[1:]
	if len(strip) == 0 {
		stage.Move(fyne.NewPos(0, 0))
		stage.Resize(size)
		return
	}
	wide := size.Width >= size.Height
	var stageSize, stripSize fyne.Size
	var stripPos fyne.Position
	if wide {
		sw := size.Width * stripShare
		stageSize = fyne.NewSize(size.Width-sw-s.Gap, size.Height)
		stripSize, stripPos = fyne.NewSize(sw, size.Height), fyne.NewPos(size.Width-sw, 0)
	} else {
		sh := size.Height * stripShare
		stageSize = fyne.NewSize(size.Width, size.Height-sh-s.Gap)
		stripSize, stripPos = fyne.NewSize(size.Width, sh), fyne.NewPos(0, size.Height-sh)
	}
	stage.Move(fyne.NewPos(0, 0))
	stage.Resize(stageSize)
	GridLayout(s).Layout(strip, stripSize)
	for _, o := range strip {
		o.Move(o.Position().Add(stripPos))
	}
}

// MinSize implements fyne.Layout.
func (s StageLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(320, 180) }
