package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/ui/widgets"
)

// screenKey routes a user's shared screen to its tile.
func screenKey(user string) string { return user + "\x00screen" }

// addScreen gives a remote shared screen a tile and puts it on the stage:
// the latest screen shared is the one shown large.
func (v *callView) addScreen(user string, schedule func(func())) *widgets.VideoTile {
	t := v.screens[user]
	if t == nil {
		name := user
		if owner := v.tiles[user]; owner != nil {
			name = owner.Info().Name
		}
		t = widgets.NewVideoTile(widgets.TileInfo{Name: name + "'s screen", VideoOn: true}, false, schedule)
		v.reportSize(t, user, app.SourceScreen)
		v.screens[user] = t
	}
	v.screenOrder = append(slices.DeleteFunc(v.screenOrder, func(s string) bool { return s == user }), user)
	v.gridView = false // a new share is what people want to look at
	v.relayout()
	return t
}

func (v *callView) removeScreen(user string) {
	if v.screens[user] == nil {
		return
	}
	delete(v.screens, user)
	v.screenOrder = slices.DeleteFunc(v.screenOrder, func(s string) bool { return s == user })
	v.relayout()
}

// staged is the user whose screen is on the stage, or "" in the grid.
func (v *callView) staged() string {
	if v.gridView || len(v.screenOrder) == 0 {
		return ""
	}
	return v.screenOrder[len(v.screenOrder)-1]
}

// relayout puts the tiles in order and picks the layout: a stage with a
// strip for a pinned person or a shared screen (a pin wins: someone chose
// it), or the grid.
func (v *callView) relayout() {
	lead := v.lead()
	objs := make([]fyne.CanvasObject, 0, 1+len(v.order)+len(v.screens))
	if lead != nil {
		objs = append(objs, lead)
		v.setOnPage(lead, true)
	}
	for _, t := range v.tilesInOrder() {
		if t != lead {
			objs = append(objs, t)
		}
	}
	rest := objs
	if lead != nil {
		rest = objs[1:]
	}
	v.paginate(rest, lead != nil)
	v.grid.Objects = objs
	if lead != nil {
		v.grid.Layout = widgets.StageLayout{Gap: 6}
		v.viewBtn.SetText("Grid view")
		v.viewBtn.SetIcon(theme.GridIcon())
	} else {
		v.grid.Layout = widgets.GridLayout{Gap: 6}
		v.viewBtn.SetText("Show screen")
		v.viewBtn.SetIcon(theme.ViewFullScreenIcon())
	}
	v.viewBtn.Hidden = len(v.screens) == 0 || v.pinnedTile() != nil
	v.viewBtn.Refresh()
	v.showSpeakerButton()
	v.grid.Refresh()
	if v.onLayout != nil {
		v.onLayout()
	}
}

// lead is what the stage shows: the pinned person, or the staged screen,
// or in speaker view whoever spoke last, or nothing (the grid).
func (v *callView) lead() fyne.CanvasObject {
	if t := v.pinnedTile(); t != nil {
		return t
	}
	if stage := v.staged(); stage != "" {
		return v.screens[stage]
	}
	if t := v.speakerTile(); t != nil {
		return t
	}
	return nil
}

// allTiles is every tile, on the page or not.
func (v *callView) allTiles() []*widgets.VideoTile {
	out := make([]*widgets.VideoTile, 0, 1+len(v.order)+len(v.screenOrder))
	for _, o := range v.tilesInOrder() {
		out = append(out, o.(*widgets.VideoTile))
	}
	return out
}

// tilesInOrder is every tile in the grid's order: this participant, the others
// as they joined, then the screens.
func (v *callView) tilesInOrder() []fyne.CanvasObject {
	out := []fyne.CanvasObject{v.self}
	for _, id := range v.order {
		out = append(out, v.tiles[id])
	}
	for _, id := range v.screenOrder {
		out = append(out, v.screens[id])
	}
	return out
}

func (v *callView) pinnedTile() *widgets.VideoTile {
	if v.pinned == "" {
		return nil
	}
	return v.tiles[v.pinned]
}

// pin keeps a person large on the stage, or none with "".
func (v *callView) pin(user string) {
	v.pinned = user
	v.relayout()
}

// toggleView switches between the stage and the grid.
func (v *callView) toggleView() {
	v.gridView = !v.gridView
	v.relayout()
}

// setSharing shows whether this person is sharing a screen.
func (v *callView) setSharing(on bool) {
	v.sharing = on
	if on {
		v.share.SetText("Stop sharing")
		v.share.Importance = widget.WarningImportance
	} else {
		v.share.SetText("Share screen")
		v.share.Importance = widget.MediumImportance
	}
	v.share.Refresh()
}

// speakerTile is the large tile of speaker view: who spoke last, or the
// first to join before anyone has; nil outside speaker view or alone.
func (v *callView) speakerTile() *widgets.VideoTile {
	if !v.speakerView || len(v.order) == 0 {
		return nil
	}
	if t := v.tiles[v.speaker]; t != nil {
		return t
	}
	return v.tiles[v.order[0]]
}

// speakerStarted puts someone who starts speaking large in speaker view.
func (v *callView) speakerStarted(id string) {
	if v.speaker == id {
		return
	}
	v.speaker = id
	if v.speakerView {
		v.relayout()
	}
}

func (v *callView) toggleSpeakerView() {
	v.speakerView = !v.speakerView
	v.relayout()
}

// showSpeakerButton offers speaker view when others are in the call and
// no pin or shared screen already decides what is large.
func (v *callView) showSpeakerButton() {
	if v.speakerView {
		v.speakerBtn.SetText("Grid view")
		v.speakerBtn.SetIcon(theme.GridIcon())
	} else {
		v.speakerBtn.SetText("Speaker view")
		v.speakerBtn.SetIcon(theme.AccountIcon())
	}
	v.speakerBtn.Hidden = len(v.order) == 0 || v.pinnedTile() != nil || v.staged() != ""
	v.speakerBtn.Refresh()
}
