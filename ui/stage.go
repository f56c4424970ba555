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

// relayout puts the tiles in order (the staged screen first) and picks the
// layout: a stage with a strip, or the grid.
func (v *callView) relayout() {
	stage := v.staged()
	objs := make([]fyne.CanvasObject, 0, 1+len(v.order)+len(v.screens))
	if stage != "" {
		objs = append(objs, v.screens[stage])
	}
	objs = append(objs, v.self)
	for _, id := range v.order {
		objs = append(objs, v.tiles[id])
	}
	for _, id := range v.screenOrder {
		if id != stage {
			objs = append(objs, v.screens[id])
		}
	}
	v.grid.Objects = objs
	if stage != "" {
		v.grid.Layout = widgets.StageLayout{Gap: 6}
		v.viewBtn.SetText("Grid view")
		v.viewBtn.SetIcon(theme.GridIcon())
	} else {
		v.grid.Layout = widgets.GridLayout{Gap: 6}
		v.viewBtn.SetText("Show screen")
		v.viewBtn.SetIcon(theme.ViewFullScreenIcon())
	}
	v.viewBtn.Hidden = len(v.screens) == 0
	v.viewBtn.Refresh()
	v.grid.Refresh()
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
