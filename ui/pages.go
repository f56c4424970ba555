package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/ui/widgets"
)

// A big meeting does not fit one screen: the grid shows a page of tiles at
// a time, and the stage's strip its first few. A tile off the page is
// hidden and its video unsubscribed (audio plays on: everyone is heard),
// so fifty people cost what a page of them does. Whoever starts speaking
// moves onto the first page.

// Page sizes: 4×4 in a large window, 3×3 otherwise; the strip beside a
// stage holds stripTiles.
const (
	bigPage     = 16
	smallPage   = 9
	bigPageFrom = 1100 // grid width in dp from which pages are 4×4
	stripTiles  = 6
)

// pager is the page controls and the page shown. UI goroutine only.
type pager struct {
	page       int
	prev, next *widget.Button
	label      *widget.Label
	bar        *fyne.Container
}

func (v *callView) initPager() {
	p := &v.pages
	p.prev = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), func() { v.turnPage(-1) })
	p.next = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), func() { v.turnPage(+1) })
	p.label = widget.NewLabel("")
	p.bar = container.NewHBox(p.prev, p.label, p.next)
	p.bar.Hide()
}

func (v *callView) turnPage(by int) {
	v.pages.page += by
	v.relayout()
}

// pageSize is how many tiles a grid page holds at the window's size.
func (v *callView) pageSize() int {
	if v.grid.Size().Width >= bigPageFrom {
		return bigPage
	}
	return smallPage
}

// paginate shows the tiles of the current page (or the strip's first) and
// hides the rest, and updates the page controls.
func (v *callView) paginate(tiles []fyne.CanvasObject, staged bool) {
	size := v.pageSize()
	if staged {
		size = stripTiles
	}
	pages := max(1, (len(tiles)+size-1)/size)
	if staged {
		pages = 1
	}
	v.pages.page = min(max(v.pages.page, 0), pages-1)
	first := v.pages.page * size
	for i, o := range tiles {
		v.setOnPage(o, i >= first && i < first+size)
	}
	p := &v.pages
	p.bar.Hidden = pages == 1
	p.label.SetText(fmt.Sprintf("Page %d of %d", p.page+1, pages))
	p.prev.Disable()
	if p.page > 0 {
		p.prev.Enable()
	}
	p.next.Disable()
	if p.page < pages-1 {
		p.next.Enable()
	}
	p.bar.Refresh()
}

// setOnPage shows or hides a tile. A hidden remote tile reports the size
// zero: its video is unsubscribed until it shows again, when the layout
// gives it its size back.
func (v *callView) setOnPage(o fyne.CanvasObject, on bool) {
	if o.Visible() == on {
		return
	}
	if on {
		o.Show()
		return
	}
	o.Hide()
	if t, ok := o.(*widgets.VideoTile); ok && t.OnSize != nil {
		t.OnSize(0, 0)
	}
}

// speakerToFirstPage moves someone who starts speaking onto the first
// page, after this participant's own tile, if they are not on it.
func (v *callView) speakerToFirstPage(id string) {
	at := -1
	for i, o := range v.order {
		if o == id {
			at = i
		}
	}
	// The first page holds the self tile and pageSize-1 others.
	if at < v.pageSize()-1 || v.lead() != nil {
		return
	}
	v.order = append([]string{id}, append(v.order[:at:at], v.order[at+1:]...)...)
	v.relayout()
}
