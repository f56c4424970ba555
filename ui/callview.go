package ui

import (
	"errors"
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/ui/widgets"
)

// callView is the call screen: tiles that fill the window, a banner for
// connection trouble, and the toolbar. UI goroutine only.
type callView struct {
	root   fyne.CanvasObject
	grid   *fyne.Container
	self   *widgets.VideoTile
	tiles  map[string]*widgets.VideoTile
	order  []string // user IDs in join order
	banner *widget.Label
	count  *widget.Label
	// mutedHint tells a person speaking into a muted microphone.
	mutedHint *widget.Label
	// crypt shows end-to-end encryption (e2ee.go).
	crypt *e2eeView

	// Shared screens by user; the latest shared is last, and staged
	// unless the person chose the grid.
	screens     map[string]*widgets.VideoTile
	screenOrder []string
	gridView    bool

	mic, cam, invite, leave, endAll *widget.Button
	devices, share, viewBtn         *widget.Button
	resume                          *widget.Button // offers a device plugged back in
	micOn, camOn, sharing           bool
	remove                          func(userID string) // nil unless this computer hosts
	sized                           func(userID string, src app.Source, w, h int)
	// meet is chat, people, hands, reactions and notices (meeting.go);
	// pinned is the person kept large on the stage, "" for none.
	meet   meetingView
	pinned string
	// pages splits a big meeting into pages of tiles (pages.go).
	pages pager
	// Speaker view shows whoever spoke last large, the others in a strip.
	speakerView bool
	speaker     string
	speakerBtn  *widget.Button
	// onLayout, when set, is told after the tiles are laid out again (the
	// native video surfaces follow them).
	onLayout func()
}

type callActions struct {
	toggleMic, toggleCam, copyInvite, leave func()
	devices, share                          func()
	// For the host only: end the call for everyone, remove one person.
	endForAll func()
	remove    func(userID string)
	// sized tells the engine how large a remote video is shown.
	sized func(userID string, src app.Source, w, h int)
	// copySecretInvite copies the invite with the passphrase; nil when
	// the call has none.
	copySecretInvite func()
	// meeting is chat, hands, reactions and the people panel's actions.
	meeting meetingActions
}

func newCallView(selfName string, schedule func(func()), act callActions) *callView {
	v := &callView{tiles: map[string]*widgets.VideoTile{}, screens: map[string]*widgets.VideoTile{}}
	v.self = widgets.NewVideoTile(widgets.TileInfo{Name: selfName + " (you)"}, true, schedule)
	v.grid = container.New(widgets.GridLayout{Gap: 6}, v.self)
	v.banner = widget.NewLabel("")
	v.banner.Alignment = fyne.TextAlignCenter
	v.banner.Importance = widget.WarningImportance
	v.banner.Hide()
	v.count = widget.NewLabel("")
	v.mutedHint = widget.NewLabelWithStyle("You're muted: unmute to speak (Ctrl+D)", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.mutedHint.Importance = widget.HighImportance
	v.mutedHint.Hide()
	v.mic = widget.NewButtonWithIcon("", theme.VolumeUpIcon(), act.toggleMic)
	v.cam = widget.NewButtonWithIcon("", theme.MediaVideoIcon(), act.toggleCam)
	v.invite = widget.NewButtonWithIcon("Copy invite", theme.ContentCopyIcon(), act.copyInvite)
	v.crypt = newE2EEView(act.copySecretInvite)
	v.devices = widget.NewButtonWithIcon("Devices", theme.SettingsIcon(), act.devices)
	if act.devices == nil {
		v.devices.Hide()
	}
	v.share = widget.NewButtonWithIcon("Share screen", theme.ComputerIcon(), act.share)
	if act.share == nil {
		v.share.Hide()
	}
	v.viewBtn = widget.NewButton("", v.toggleView)
	v.speakerBtn = widget.NewButton("", v.toggleSpeakerView)
	v.resume = widget.NewButton("", nil)
	v.resume.Importance = widget.HighImportance
	v.resume.Hide()
	v.leave = widget.NewButtonWithIcon("Leave", theme.LogoutIcon(), act.leave)
	v.leave.Importance = widget.DangerImportance
	v.endAll = widget.NewButton("End call for everyone", act.endForAll)
	v.endAll.Importance = widget.DangerImportance
	if act.endForAll == nil {
		v.endAll.Hide()
	}
	v.remove = act.remove
	v.sized = act.sized
	v.initMeeting(selfName, act)
	v.initPager()
	m := &v.meet
	toolbar := container.NewHBox(v.mic, v.cam, v.share, v.devices, widget.NewSeparator(),
		m.handBtn, m.reactBtn, m.chatBtn, m.peopleBtn, v.count, v.crypt.lock,
		layout.NewSpacer(), v.pages.bar, v.speakerBtn, v.viewBtn, v.invite, v.crypt.invite, v.endAll, v.leave)
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	top := container.NewVBox(v.banner, v.crypt.banner, v.mutedHint, m.notice, container.NewCenter(v.resume))
	v.root = container.NewBorder(top, container.NewStack(bg, container.NewPadded(toolbar)), nil, m.side,
		container.NewStack(container.NewPadded(v.grid), m.floating.root))
	v.relayout()
	v.setDevices(false, false)
	v.updateCount()
	return v
}

// setDevices shows the local camera and microphone state on the toolbar and
// the self tile.
func (v *callView) setDevices(micOn, camOn bool) {
	v.micOn, v.camOn = micOn, camOn
	if micOn {
		v.mic.SetIcon(theme.VolumeUpIcon())
		v.mic.SetText("Mute (Ctrl+D)")
		v.mic.Importance = widget.MediumImportance
	} else {
		v.mic.SetIcon(theme.VolumeMuteIcon())
		v.mic.SetText("Unmute (Ctrl+D)")
		v.mic.Importance = widget.DangerImportance
	}
	if camOn {
		v.cam.SetText("Stop video (Ctrl+E)")
		v.cam.Importance = widget.MediumImportance
	} else {
		v.cam.SetText("Start video (Ctrl+E)")
		v.cam.Importance = widget.DangerImportance
	}
	v.mic.Refresh()
	v.cam.Refresh()
	info := v.self.Info()
	info.VideoOn, info.MicMuted = camOn, !micOn
	v.self.SetInfo(info)
}

// setLocal shows what was asked of a local source: the buttons follow the
// person's request at once, and fall back if it fails.
func (v *callView) setLocal(e app.LocalSourceChanged) {
	switch e.Source {
	case app.SourceMicrophone:
		v.setDevices(e.Wanted, v.camOn)
	case app.SourceCamera:
		v.setDevices(v.micOn, e.Wanted)
	case app.SourceScreen:
		v.setSharing(e.Wanted)
	}
}

func (v *callView) addUser(id, name string, schedule func(func())) *widgets.VideoTile {
	if t := v.tiles[id]; t != nil {
		return t
	}
	t := widgets.NewVideoTile(widgets.TileInfo{Name: name, MicMuted: true}, false, schedule)
	v.reportSize(t, id, app.SourceCamera)
	// A right click offers what the people panel's menu does for them.
	t.OnMenu = func(at fyne.Position) {
		if pp := v.meet.people.people[id]; pp != nil {
			menu := fyne.NewMenu("", v.meet.people.menuItems(pp)...)
			widget.ShowPopUpMenuAtPosition(menu, fyne.CurrentApp().Driver().CanvasForObject(t), at)
		}
	}
	v.tiles[id] = t
	v.order = append(v.order, id)
	v.relayout()
	v.updateCount()
	return t
}

// reportSize passes a remote tile's size on, for the simulcast layer.
func (v *callView) reportSize(t *widgets.VideoTile, id string, src app.Source) {
	if v.sized != nil {
		t.OnSize = func(w, h int) { v.sized(id, src, w, h) }
	}
}

func (v *callView) removeUser(id string) {
	t := v.tiles[id]
	if t == nil {
		return
	}
	delete(v.tiles, id)
	v.order = slices.DeleteFunc(v.order, func(s string) bool { return s == id })
	v.relayout()
	v.updateCount()
}

func (v *callView) updateTile(id string, fn func(*widgets.TileInfo)) {
	if t := v.tiles[id]; t != nil {
		info := t.Info()
		fn(&info)
		t.SetInfo(info)
	}
}

func (v *callView) updateCount() {
	n := len(v.tiles) + 1
	if n == 1 {
		v.count.SetText("Only you so far")
	} else {
		v.count.SetText(fmt.Sprintf("%d people", n))
	}
}

func (v *callView) showBanner(msg string) {
	if msg == "" {
		v.banner.Hide()
		return
	}
	v.banner.SetText(msg)
	v.banner.Show()
}

// onEvent applies one call event to the screen. It returns false when the
// event ends the call (the controller then shows what happened).
func (v *callView) onEvent(ev app.Event, schedule func(func()), routes *router) {
	switch e := ev.(type) {
	case app.UserJoined:
		routes.set(e.UserID, v.addUser(e.UserID, e.Name, schedule))
	case app.UserLeft:
		routes.set(e.UserID, nil)
		routes.set(screenKey(e.UserID), nil)
		v.removeScreen(e.UserID)
		v.removeUser(e.UserID)
		v.crypt.forget(e.UserID)
	case app.CallEncryption, app.RemoteEncryption:
		v.onEncryption(e)
	case app.RemoteVideo:
		switch {
		case e.Source == app.SourceCamera:
			v.updateTile(e.UserID, func(i *widgets.TileInfo) { i.VideoOn = e.Available })
		case e.Source == app.SourceScreen && e.Available:
			routes.set(screenKey(e.UserID), v.addScreen(e.UserID, schedule))
			v.showEncryption(e.UserID)
		case e.Source == app.SourceScreen:
			routes.set(screenKey(e.UserID), nil)
			v.removeScreen(e.UserID)
		}
	case app.RemoteAudio:
		if e.Source == app.SourceMicrophone {
			v.updateTile(e.UserID, func(i *widgets.TileInfo) { i.MicMuted = !e.Available })
		}
	case app.StateChanged:
		switch e.State {
		case app.Reconnecting:
			v.showBanner("Connection lost: reconnecting…")
		case app.Connected:
			v.showBanner("")
		}
	case app.DeviceError:
		v.showBanner(deviceMessage(e))
	case app.LocalSourceChanged:
		v.setLocal(e)
	case app.MutedSpeech:
		v.mutedHint.Hidden = !e.Speaking
		v.mutedHint.Refresh()
	case app.AudioLevels:
		v.setSpeaking(e)
	case app.NetworkQuality:
		q := qualityBars(e.Quality)
		if e.UserID == "" {
			info := v.self.Info()
			info.Quality = q
			v.self.SetInfo(info)
		} else {
			v.updateTile(e.UserID, func(i *widgets.TileInfo) { i.Quality = q })
		}
	}
	v.onMeetingEvent(ev)
}

// setSpeaking lights the tiles of those speaking; a tile changes only when
// its flag does, so a report does not redraw every tile.
func (v *callView) setSpeaking(l app.AudioLevels) {
	if info := v.self.Info(); info.Speaking != l.LocalSpeaking {
		info.Speaking = l.LocalSpeaking
		v.self.SetInfo(info)
	}
	for id, t := range v.tiles {
		if info := t.Info(); info.Speaking != l.Speaking[id] {
			info.Speaking = l.Speaking[id]
			t.SetInfo(info)
			if info.Speaking {
				v.speakerToFirstPage(id)
				v.speakerStarted(id)
			}
		}
	}
}

// qualityBars maps a connection quality to the tile's 0–3 bars.
func qualityBars(q app.Quality) int {
	switch q {
	case app.QualityExcellent:
		return 3
	case app.QualityGood:
		return 2
	case app.QualityPoor, app.QualityLost:
		return 1
	}
	return 0
}

func deviceMessage(e app.DeviceError) string {
	what := "Camera"
	switch e.Source {
	case app.SourceMicrophone:
		what = "Microphone"
	case app.SourceScreen:
		if errors.Is(e.Err, app.ErrDeviceLost) {
			return "Screen sharing stopped: the screen is no longer available."
		}
		return fmt.Sprintf("Cannot share the screen (%v).", e.Err)
	}
	if errors.Is(e.Err, app.ErrDeviceLost) {
		return fmt.Sprintf("%s unplugged or stopped working: the call goes on without it.", what)
	}
	return fmt.Sprintf("%s not available (%v): the call goes on without it.", what, e.Err)
}
