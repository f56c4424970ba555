package ui

import (
	"cmp"
	"fmt"
	"image/color"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// person is one entry of the people panel (this participant's is "").
type person struct {
	id, name               string
	seq                    int // join order
	micOn, camOn, speaking bool
	quality                int // 0–3 bars
	hand                   bool
	handAt                 time.Time
	handSeq                int // order hands went up here, for equal times
	mutedForMe             bool
	volume                 float64 // 1 as sent
	row                    *personRow
}

// personRow is a person's widgets.
type personRow struct {
	root   fyne.CanvasObject
	hand   *widget.Label
	name   *widget.Label
	status *widget.Label
	menu   *widget.Button
	volume *widget.Slider
}

// peopleActions are what the panel's menus do.
type peopleActions struct {
	muteForMe func(user string, muted bool)
	volume    func(user string, gain float64)
	pin       func(user string) // "" unpins
	raiseHand func(raised bool) // this participant's own
	// For the host only; nil otherwise.
	muteMic, lowerHand, remove func(user string)
}

// peoplePanel lists everyone in the call: raised hands first in the order
// they went up, then this participant, then the others as they joined.
// UI goroutine only.
type peoplePanel struct {
	root   fyne.CanvasObject
	list   *fyne.Container
	people map[string]*person
	order  []string // as shown
	seq    int
	hands  int
	act    peopleActions
	pinned func() string
}

func newPeoplePanel(selfName string, act peopleActions, pinned func() string) *peoplePanel {
	p := &peoplePanel{people: map[string]*person{}, act: act, pinned: pinned}
	p.list = container.NewVBox()
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(sidePanelWidth, 1))
	title := widget.NewLabelWithStyle("People", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.root = container.NewBorder(container.NewVBox(width, title), nil, nil, nil, container.NewVScroll(p.list))
	p.join("", selfName+" (you)")
	return p
}

// join adds someone (again: a name change only).
func (p *peoplePanel) join(id, name string) {
	if pp := p.people[id]; pp != nil {
		pp.name = name
		p.show(pp)
		return
	}
	p.seq++
	pp := &person{id: id, name: name, seq: p.seq, volume: 1}
	pp.row = p.newRow(pp)
	p.people[id] = pp
	p.show(pp)
	p.reorder()
}

func (p *peoplePanel) leave(id string) {
	if p.people[id] == nil {
		return
	}
	delete(p.people, id)
	p.reorder()
}

// update changes what is known of someone and shows it.
func (p *peoplePanel) update(id string, fn func(*person)) {
	pp := p.people[id]
	if pp == nil {
		return
	}
	before := pp.hand
	fn(pp)
	if pp.hand && !before {
		p.hands++
		pp.handSeq = p.hands
	}
	p.show(pp)
	if pp.hand != before {
		p.reorder()
	}
}

// reorder lists people in the panel's order.
func (p *peoplePanel) reorder() {
	all := make([]*person, 0, len(p.people))
	for _, pp := range p.people {
		all = append(all, pp)
	}
	slices.SortFunc(all, comparePeople)
	p.order = p.order[:0]
	objs := make([]fyne.CanvasObject, 0, len(all))
	for _, pp := range all {
		p.order = append(p.order, pp.id)
		objs = append(objs, pp.row.root)
	}
	p.list.Objects = objs
	p.list.Refresh()
}

// comparePeople: raised hands first, earliest first; then this
// participant; then the others in join order.
func comparePeople(a, b *person) int {
	if a.hand != b.hand {
		if a.hand {
			return -1
		}
		return 1
	}
	if a.hand {
		if c := a.handAt.Compare(b.handAt); c != 0 && !a.handAt.IsZero() && !b.handAt.IsZero() {
			return c
		}
		return cmp.Compare(a.handSeq, b.handSeq)
	}
	if (a.id == "") != (b.id == "") {
		if a.id == "" {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.seq, b.seq)
}

func (p *peoplePanel) newRow(pp *person) *personRow {
	r := &personRow{
		hand:   widget.NewLabel("✋"),
		name:   widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		status: widget.NewLabel(""),
	}
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.menu = widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil)
	r.menu.OnTapped = func() { p.showMenu(pp, r.menu) }
	var volume fyne.CanvasObject = layoutSpacer()
	if pp.id != "" && p.act.volume != nil {
		r.volume = widget.NewSlider(0, 200)
		r.volume.Step = 10
		r.volume.Value = 100
		id := pp.id
		r.volume.OnChangeEnded = func(v float64) { p.setVolume(id, v/100) }
		volume = container.NewBorder(nil, nil, widget.NewLabel("Volume"), nil, r.volume)
	}
	info := container.NewVBox(r.name, r.status)
	r.root = container.NewBorder(nil, volume, r.hand, r.menu, info)
	return r
}

func layoutSpacer() fyne.CanvasObject { return canvas.NewRectangle(color.Transparent) }

// show refreshes a person's row from what is known.
func (p *peoplePanel) show(pp *person) {
	r := pp.row
	r.hand.Hidden = !pp.hand
	r.hand.Refresh()
	r.name.SetText(pp.name)
	r.status.SetText(personStatus(pp))
}

// personStatus is the line under a name: speaking, microphone, camera,
// connection, and what this participant changed for them.
func personStatus(pp *person) string {
	var parts []string
	if pp.speaking {
		parts = append(parts, "speaking")
	}
	if pp.micOn {
		parts = append(parts, "mic on")
	} else {
		parts = append(parts, "muted")
	}
	if pp.camOn {
		parts = append(parts, "camera on")
	} else {
		parts = append(parts, "camera off")
	}
	if q := qualityWords[pp.quality]; q != "" {
		parts = append(parts, q)
	}
	if pp.mutedForMe {
		parts = append(parts, "muted for me")
	} else if pp.volume != 1 {
		parts = append(parts, fmt.Sprintf("volume %d%%", int(pp.volume*100+0.5)))
	}
	return strings.Join(parts, " · ")
}

var qualityWords = [...]string{"", "poor connection", "good connection", "excellent connection"}

// toggleMuteForMe stops or resumes playing someone's audio here.
func (p *peoplePanel) toggleMuteForMe(id string) {
	p.update(id, func(pp *person) { pp.mutedForMe = !pp.mutedForMe })
	if pp := p.people[id]; pp != nil && p.act.muteForMe != nil {
		p.act.muteForMe(id, pp.mutedForMe)
	}
}

func (p *peoplePanel) setVolume(id string, gain float64) {
	p.update(id, func(pp *person) { pp.volume = gain })
	p.act.volume(id, gain)
}

// menuItems are what can be done to a person from here.
func (p *peoplePanel) menuItems(pp *person) []*fyne.MenuItem {
	id := pp.id
	if id == "" {
		label, raise := "Raise my hand", true
		if pp.hand {
			label, raise = "Lower my hand", false
		}
		return []*fyne.MenuItem{fyne.NewMenuItem(label, func() { p.act.raiseHand(raise) })}
	}
	mute := "Mute for me"
	if pp.mutedForMe {
		mute = "Unmute for me"
	}
	pin := fyne.NewMenuItem("Pin", func() { p.act.pin(id) })
	if p.pinned() == id {
		pin = fyne.NewMenuItem("Unpin", func() { p.act.pin("") })
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem(mute, func() { p.toggleMuteForMe(id) }), pin}
	if p.act.muteMic != nil {
		items = append(items, fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Mute their microphone", func() { p.act.muteMic(id) }))
		if pp.hand {
			items = append(items, fyne.NewMenuItem("Lower their hand", func() { p.act.lowerHand(id) }))
		}
		items = append(items, fyne.NewMenuItem("Remove from call", func() { p.act.remove(id) }))
	}
	return items
}

func (p *peoplePanel) showMenu(pp *person, at fyne.CanvasObject) {
	c := fyne.CurrentApp().Driver().CanvasForObject(at)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(at).AddXY(0, at.Size().Height)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", p.menuItems(pp)...), c, pos)
}
