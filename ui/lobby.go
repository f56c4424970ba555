package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/ui/widgets"
)

// Where to meet.
const (
	modeHost = "Host on this computer"
	modeJoin = "Join a server"
)

// lobby is the first screen: who you are, where to meet, and a look at your
// camera and microphone before joining. UI goroutine only.
type lobby struct {
	root fyne.CanvasObject

	name, room, server, password *widget.Entry
	mode                         *widget.RadioGroup
	nameErr, roomErr, serverErr  *widget.Label
	message                      *widget.Label
	progress                     *widget.ProgressBarInfinite
	join                         *widget.Button
	joinBox                      *fyne.Container
	hostInfo                     *widget.Label
	hostCopy                     *widget.Button
	hostBox                      *fyne.Container
	previewOn                    *widget.Button
	onHostMode                   func()

	// e2ee is the end-to-end encryption passphrase. It is never saved in
	// the preferences: a secret on disk in plain text would outlive the
	// call, and anyone who reads the file could decrypt every call that
	// uses it. An invite copied "with passphrase" carries it instead.
	e2ee *widget.Entry

	preview        *widgets.VideoTile
	meter          *widgets.LevelMeter
	camOn, micOn   *widget.Check
	camSel, micSel *widget.Select
	spkSel         *widget.Select
	cleanup        *processingChecks
	// devices is what the pickers show and change; filling is set while
	// they are filled from it, so that does not count as a choice.
	devices         *deviceModel
	filling         bool
	onSubmit        func()
	onDevicesChange func()
}

func newLobby(schedule func(func()), devices *deviceModel, onSubmit, onDevicesChange func()) *lobby {
	l := &lobby{devices: devices, onSubmit: onSubmit, onDevicesChange: onDevicesChange}
	l.name = entry("Your name", l.submit)
	l.room = entry("Room ID, e.g. 8888 or team-standup", l.submit)
	l.server = entry("Server, e.g. 192.168.1.20:7880 or wss://meet.example.org", l.submit)
	l.password = widget.NewPasswordEntry()
	l.password.SetPlaceHolder("Password or token (if the server has one)")
	l.password.OnSubmitted = func(string) { l.submit() }
	l.e2ee = widget.NewPasswordEntry()
	l.e2ee.SetPlaceHolder("Passphrase (optional; everyone types the same)")
	l.e2ee.OnSubmitted = func(string) { l.submit() }
	l.nameErr, l.roomErr, l.serverErr = errLabel(), errLabel(), errLabel()
	l.message = widget.NewLabel("")
	l.message.Wrapping = fyne.TextWrapWord
	l.message.Importance = widget.DangerImportance
	l.message.Hide()
	l.progress = widget.NewProgressBarInfinite()
	l.progress.Hide()
	l.progress.Stop()
	l.hostInfo = widget.NewLabel("Others join with this computer's address, shown once the call starts.")
	l.hostInfo.Wrapping = fyne.TextWrapWord
	l.hostInfo.Importance = widget.LowImportance
	l.hostCopy = widget.NewButton("Copy", nil)
	l.hostCopy.Hide()
	l.hostBox = container.NewBorder(nil, nil, nil, l.hostCopy, l.hostInfo)
	l.mode = widget.NewRadioGroup([]string{modeHost, modeJoin}, func(string) {
		l.showMode()
		if l.mode.Selected == modeHost && l.onHostMode != nil {
			l.onHostMode()
		}
	})
	l.mode.Horizontal = true
	l.join = widget.NewButton("Join", l.submit)
	l.join.Importance = widget.HighImportance

	l.preview = widgets.NewVideoTile(widgets.TileInfo{Name: "You"}, true, schedule)
	// After a call the camera stays off until asked for: leaving should
	// turn the camera light off.
	l.previewOn = widget.NewButton("Show my camera", func() { l.previewOn.Hide(); l.choose(func(*deviceModel) {}) })
	l.previewOn.Hide()
	l.meter = widgets.NewLevelMeter()
	l.camOn = widget.NewCheck("Camera", nil)
	l.micOn = widget.NewCheck("Microphone", nil)
	l.camSel = widget.NewSelect(nil, nil)
	l.micSel = widget.NewSelect(nil, nil)
	l.spkSel = widget.NewSelect(nil, nil)
	l.cleanup = newProcessingChecks()
	l.showDevices()
	// Hooked up last: setting the initial values must not restart a preview
	// that does not exist yet.
	l.camOn.OnChanged = func(on bool) { l.choose(func(m *deviceModel) { m.cameraOn = on }) }
	l.micOn.OnChanged = func(on bool) { l.choose(func(m *deviceModel) { m.microphoneOn = on }) }
	l.camSel.OnChanged = func(string) { l.choose(func(m *deviceModel) { m.camera = pickID(m.cameras, l.camSel) }) }
	l.micSel.OnChanged = func(string) { l.choose(func(m *deviceModel) { m.microphone = pickID(m.microphones, l.micSel) }) }
	l.spkSel.OnChanged = func(string) {
		if !l.filling {
			l.devices.speaker = pickID(l.devices.speakers, l.spkSel)
		}
	}
	l.cleanup.onChange(func() { l.choose(func(m *deviceModel) { m.processing = l.cleanup.value() }) })

	form := container.NewVBox(
		widget.NewLabelWithStyle("Join a call", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		l.name, l.nameErr, l.room, l.roomErr, l.mode, l.hostBox, l.server, l.serverErr, l.password,
		widget.NewLabel("End-to-end encryption"), l.e2ee,
		l.message, l.progress,
	)
	l.joinBox = container.NewHBox(layout.NewSpacer(), l.join)
	pickers := container.NewVBox(
		container.NewGridWithColumns(2, l.camOn, l.camSel),
		container.NewGridWithColumns(2, l.micOn, l.micSel),
		l.meter,
		l.cleanup.row(),
		container.NewGridWithColumns(2, widget.NewLabel("Speaker"), l.spkSel),
	)
	previewBox := container.NewBorder(nil, pickers, nil, nil, container.NewStack(
		container.NewGridWrap(fyne.NewSize(400, 225), l.preview), container.NewCenter(l.previewOn)))
	l.root = container.NewPadded(container.NewGridWithColumns(2,
		container.NewCenter(previewBox),
		container.NewBorder(nil, l.joinBox, nil, nil, container.NewVScroll(form)),
	))
	return l
}

func entry(placeholder string, submit func()) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.OnSubmitted = func(string) { submit() }
	return e
}

func errLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

func (l *lobby) showMode() {
	if l.mode.Selected == modeJoin {
		l.server.Show()
		l.password.Show()
		l.hostBox.Hide()
	} else {
		l.server.Hide()
		l.serverErr.Hide()
		l.password.Hide()
		l.hostBox.Show()
	}
}

func (l *lobby) submit() {
	if !l.join.Disabled() {
		l.onSubmit()
	}
}

// choose applies a choice the person made in a picker, and restarts the
// preview with it.
func (l *lobby) choose(change func(*deviceModel)) {
	if l.filling {
		return
	}
	change(l.devices)
	if l.onDevicesChange != nil {
		l.onDevicesChange()
	}
}

// showDevices fills the pickers from the device model.
func (l *lobby) showDevices() {
	l.filling = true
	defer func() { l.filling = false }()
	m := l.devices
	fill(l.camSel, m.cameras, m.camera)
	fill(l.micSel, m.microphones, m.microphone)
	fill(l.spkSel, m.speakers, m.speaker)
	l.cleanup.set(m.processing)
	l.camOn.SetChecked(m.cameraOn)
	l.micOn.SetChecked(m.microphoneOn)
}

// fill shows a device list in a picker with one selected.
func fill(sel *widget.Select, ds []device, chosen string) {
	sel.Options = names(ds)
	if i := index(ds, chosen); i >= 0 {
		sel.SetSelectedIndex(i)
	} else {
		sel.ClearSelected()
	}
	sel.Refresh()
}

// pickID is the ID of the device selected in a picker.
func pickID(ds []device, sel *widget.Select) string {
	if i := sel.SelectedIndex(); i >= 0 && i < len(ds) {
		return ds[i].ID
	}
	return ""
}

// params checks the form and shows each problem next to its field.
func (l *lobby) params() (app.JoinParams, bool) {
	p := app.JoinParams{
		Name: l.name.Text, RoomID: l.room.Text,
		Camera: l.devices.cameraOn, Microphone: l.devices.microphoneOn,
	}
	ok := true
	_, err := app.NormalizeName(p.Name)
	ok = showErr(l.nameErr, err, "Type your name (up to 64 characters).") && ok
	ok = showErr(l.roomErr, app.ValidateRoomID(p.RoomID), "Room ID may use letters, digits, _ and -, up to 64 characters.") && ok
	if l.mode.Selected == modeJoin {
		p.ServerURL = l.server.Text
		_, err := app.NormalizeServerURL(p.ServerURL)
		ok = showErr(l.serverErr, err, "Type the server's address, e.g. 192.168.1.20:7880 or wss://meet.example.org.") && ok
		p.Password = l.password.Text
		if looksLikeToken(p.Password) {
			p.Token, p.Password = p.Password, ""
		}
	}
	return p, ok
}

// looksLikeToken tells a pasted JWT from a password.
func looksLikeToken(s string) bool {
	dots := 0
	for _, r := range s {
		if r == '.' {
			dots++
		}
	}
	return dots == 2 && len(s) > 60
}

func showErr(l *widget.Label, err error, msg string) bool {
	if err == nil {
		l.Hide()
		return true
	}
	l.SetText(msg)
	l.Show()
	return false
}

// setBusy shows joining progress and locks the form.
func (l *lobby) setBusy(busy bool) {
	if busy {
		l.message.Hide()
		l.progress.Show()
		l.progress.Start()
		l.join.Disable()
		l.join.SetText("Joining…")
	} else {
		l.progress.Stop()
		l.progress.Hide()
		l.join.Enable()
		l.join.SetText("Join")
	}
}

func (l *lobby) showMessage(msg string) {
	l.message.SetText(msg)
	l.message.Show()
}
