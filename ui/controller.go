package ui

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"

	"confer/app"
	"confer/media/pipeline"
	"confer/ui/widgets"
)

// framePace is the shortest time between two repaints for video: at most
// 40 a second, enough for 30 fps cameras without holding their frames back.
const framePace = 25 * time.Millisecond

// controller is the window: the lobby, the screen of the call under way
// (its presenter), the room server when hosting, and quitting. Its fields
// are the UI goroutine's, except hostMu's and closing.
type controller struct {
	app fyne.App
	w   fyne.Window
	b   *bridge
	// paint paces the video tiles' refreshes (see widgets.Painter).
	paint *widgets.Painter
	// video shows the call's videos in native child windows where it can.
	video *videoSurfaces
	opts  Options
	log   *slog.Logger

	devices *deviceModel
	routes  *router
	lobby   *lobby
	view    *callView  // the call screen, nil in the lobby
	pres    *presenter // the call under way, nil in the lobby
	prev    *pipeline.Preview
	dialog  string // title of the dialog on screen, for the state dump

	stopWatch chan struct{} // ends watchState
	devWatch  chan struct{} // ends watchDevices
	// devicePoll overrides how often devices are listed (tests).
	devicePoll time.Duration
	closing    sync.WaitGroup // presenters closing in the background, and quit
	quitDone   chan struct{}  // closed when quit has released everything
	shutDown   bool           // quit or the loop's end has begun releasing

	hostMu sync.Mutex
	host   app.Host // the room server when hosting; lives until quit
}

func newController(a fyne.App, w fyne.Window, opts Options, b *bridge) *controller {
	c := &controller{app: a, w: w, b: b, opts: opts, log: opts.Log, routes: newRouter(),
		devices: &deviceModel{}, quitDone: make(chan struct{})}
	c.devices.load(a.Preferences())
	c.paint = widgets.NewPainter(c.b.do, framePace)
	c.video = newVideoSurfaces(w, c.b.do, c.videoTiles, c.tilesCovered, c.log, opts.FyneVideo)
	c.lobby = newLobby(c.paint.Schedule, c.devices, c.submit, c.restartPreview)
	c.lobby.onHostMode = c.prepareHost
	return c
}

// videoTiles is every tile on screen: the call's, or the lobby's preview.
func (c *controller) videoTiles() []*widgets.VideoTile {
	if c.view != nil {
		return c.view.allTiles()
	}
	if c.w.Content() == c.lobby.root {
		return []*widgets.VideoTile{c.lobby.preview}
	}
	return nil
}

// tilesCovered tells whether something lies over the call's tiles: a menu
// or dialog, or floating reactions.
func (c *controller) tilesCovered() bool {
	return c.w.Canvas().Overlays().Top() != nil || (c.view != nil && c.view.meet.floating.active())
}

// start fills the lobby and shows it; with --join it joins at once.
func (c *controller) start() {
	c.fillLobby()
	c.showLobby()
	if c.opts.StatePath != "" {
		c.stopWatch = make(chan struct{})
		go c.watchState(c.stopWatch)
	}
	c.watchDevices()
	if c.opts.Join {
		c.submit()
	}
}

func (c *controller) fillLobby() {
	p := c.app.Preferences()
	l := c.lobby
	l.name.SetText(first(c.opts.Name, p.String("name")))
	l.room.SetText(first(c.opts.Room, p.String("room")))
	l.server.SetText(first(c.opts.Server, p.String("server")))
	l.password.SetText(first(c.opts.Token, c.opts.Password))
	l.e2ee.SetText(c.opts.E2EE.Passphrase()) // never from the preferences: see lobby.e2ee
	mode := p.StringWithFallback("mode", modeHost)
	if c.opts.Server != "" {
		mode = modeJoin
	}
	l.mode.SetSelected(mode)
	c.devices.cameraOn = onOff(c.opts.Camera, c.devices.cameraOn)
	c.devices.microphoneOn = onOff(c.opts.Microphone, c.devices.microphoneOn)
	l.showDevices()
	l.preview.SetMirror(c.devices.mirror)
	l.showMode()
	if mode == modeHost {
		c.prepareHost()
	}
}

// onOff reads an "on"/"off" option, or gives the remembered value for "".
func onOff(opt string, remembered bool) bool {
	switch opt {
	case "on":
		return true
	case "off":
		return false
	}
	return remembered
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// prepareHost starts the room server as soon as "Host on this computer" is
// chosen, so the lobby can show the address others type.
func (c *controller) prepareHost() {
	l := c.lobby
	c.closing.Add(1)
	go func() {
		defer c.closing.Done()
		h, err := c.ensureHost()
		c.b.do(func() {
			if err != nil {
				l.hostInfo.SetText("Could not start hosting here: " + err.Error())
				return
			}
			l.hostInfo.SetText("Others join at " + h.URL() + ", room " + first(l.room.Text, "(your room ID)"))
			l.hostCopy.OnTapped = func() { c.app.Clipboard().SetContent(app.InviteLink(h.URL(), l.room.Text)) }
			l.hostCopy.Show()
			c.dumpState()
		})
	}()
}

func (c *controller) savePrefs() {
	p := c.app.Preferences()
	l := c.lobby
	p.SetString("name", l.name.Text)
	p.SetString("room", l.room.Text)
	p.SetString("server", l.server.Text)
	p.SetString("mode", l.mode.Selected)
	c.devices.save(p)
}

// userSuffix makes user IDs unique per installation: the same person joining
// twice from one installation is a duplicate, two people named Ana are not.
func (c *controller) userSuffix() string {
	p := c.app.Preferences()
	s := p.String("user-suffix")
	if s == "" {
		s = rand.Text()[:6]
		p.SetString("user-suffix", s)
	}
	return s
}

func (c *controller) showLobby() {
	c.w.SetContent(c.lobby.root)
	c.restartPreview()
	c.video.changed()
	c.dumpState()
}

func (c *controller) stopPreview() {
	c.prev.Stop()
	c.prev = nil
}

func (c *controller) restartPreview() {
	c.stopPreview()
	if c.view != nil || c.pres != nil || c.lobby.previewOn.Visible() {
		return
	}
	l, m := c.lobby, c.devices
	info := l.preview.Info()
	info.VideoOn = m.cameraOn
	l.preview.SetInfo(info)
	prev, camErr, micErr := pipeline.StartPreview(pipeline.PreviewConfig{
		CameraID: m.camera, MicrophoneID: m.microphone, Camera: m.cameraOn, Microphone: m.microphoneOn,
		Processing: m.processing, Video: l.preview,
		Level: func(rms float64) { c.b.do(func() { l.meter.SetRMS(rms) }) },
	})
	c.prev = prev
	if !m.microphoneOn {
		l.meter.SetRMS(0)
	}
	if camErr != nil || micErr != nil {
		c.log.Info("preview", "camera", camErr, "microphone", micErr)
	}
}

// submit checks the lobby and joins in the background.
func (c *controller) submit() {
	p, ok := c.lobby.params()
	if !ok || c.pres != nil {
		return
	}
	p.UserID = app.UserIDFromName(p.Name, c.userSuffix())
	if p.Token != "" {
		// A pasted token names its user (and room): use them, or the
		// server would refuse the token as someone else's.
		if claims, err := app.ReadToken(p.Token); err == nil && claims.Identity != "" {
			p.UserID = claims.Identity
			if claims.Room != "" && p.RoomID != claims.Room {
				c.lobby.room.SetText(claims.Room)
				p.RoomID = claims.Room
			}
		}
	}
	c.savePrefs()
	c.lobby.setBusy(true)
	c.stopPreview()
	c.pres = newPresenter(c, p, c.lobby.mode.Selected == modeHost)
	c.pres.start()
}

// ensureHost starts the room server once; it lives until quit. The server
// starts (a process, up to seconds) outside hostMu, so that hosted never
// waits for it; of two started at once, the second is closed.
func (c *controller) ensureHost() (app.Host, error) {
	if h := c.hosted(); h != nil {
		return h, nil
	}
	if c.opts.StartHost == nil {
		return nil, errors.New("hosting is not available in this build")
	}
	bind := c.opts.HostBind
	if bind == "" {
		bind = "0.0.0.0"
	}
	h, err := c.opts.StartHost(bind, c.log)
	if err != nil {
		return nil, err
	}
	c.hostMu.Lock()
	first := c.host == nil
	if first {
		c.host = h
	}
	kept := c.host
	c.hostMu.Unlock()
	if !first {
		h.Close()
	}
	return kept, nil
}

// hosted is the room server this window runs, or nil.
func (c *controller) hosted() app.Host {
	c.hostMu.Lock()
	defer c.hostMu.Unlock()
	return c.host
}

func (c *controller) joinFailed(s *presenter, msg string) {
	if c.pres != s {
		return
	}
	c.release(s)
	c.lobby.setBusy(false)
	c.lobby.showMessage(msg)
	c.restartPreview()
	c.dumpState()
}

// release closes a presenter in the background; quit waits for it.
func (c *controller) release(s *presenter) {
	s.ended = true
	if c.pres == s {
		c.pres = nil
	}
	c.closing.Add(1)
	go func() {
		defer c.closing.Done()
		s.close()
	}()
}

// callKeys are the call screen's shortcuts: Ctrl+D microphone, Ctrl+E
// camera, Ctrl+Shift+C chat (as in LiveKit Meet), Ctrl+Shift+H hand.
func (c *controller) callKeys() map[*desktop.CustomShortcut]func() {
	ctrl, shift := fyne.KeyModifierShortcutDefault, fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift
	return map[*desktop.CustomShortcut]func(){
		{KeyName: fyne.KeyD, Modifier: ctrl}:  c.toggleMic,
		{KeyName: fyne.KeyE, Modifier: ctrl}:  c.toggleCam,
		{KeyName: fyne.KeyC, Modifier: shift}: c.toggleChat,
		{KeyName: fyne.KeyH, Modifier: shift}: c.toggleHand,
	}
}

func (c *controller) addShortcuts() {
	for key, fn := range c.callKeys() {
		c.w.Canvas().AddShortcut(key, func(fyne.Shortcut) { fn() })
	}
}

func (c *controller) removeShortcuts() {
	for key := range c.callKeys() {
		c.w.Canvas().RemoveShortcut(key)
	}
}

// leave is the Leave button: back to the lobby at once, the call released
// in the background.
func (c *controller) leave() {
	if s := c.pres; s != nil {
		c.endCall(s)
	}
}

// endCall leaves the call screen for the lobby and releases the call.
func (c *controller) endCall(s *presenter) {
	if c.pres != s {
		return
	}
	c.release(s)
	c.lobby.previewOn.Show() // the camera stays off after a call
	c.lobby.setBusy(false)
	c.view = nil
	c.video.closeAll()
	c.routes.set(selfKey, nil)
	c.removeShortcuts()
	c.showLobby()
}

func (c *controller) showDisconnected(err error) {
	title, msg := "Disconnected", "The connection to the call was lost."
	switch {
	case errors.Is(err, app.ErrServerGone):
		title, msg = "The call ended", "The room server stopped: the host may have quit Confer."
	case errors.Is(err, app.ErrConnectionLost):
		msg = "The network stayed down too long, so the call was left. Rejoin when you are back online."
	case err != nil:
		msg = "The connection to the call was lost: " + err.Error() + "."
	}
	c.showDialog(title, msg, c.submit)
}

// showDialog shows a message over the lobby; with rejoin it offers Rejoin.
func (c *controller) showDialog(title, msg string, rejoin func()) {
	c.dialog = title
	done := func() { c.dialog = ""; c.dumpState() }
	if rejoin == nil {
		d := dialog.NewInformation(title, msg, c.w)
		d.SetOnClosed(done)
		d.Show()
		return
	}
	d := dialog.NewConfirm(title, msg, func(ok bool) {
		done()
		if ok {
			rejoin()
		}
	}, c.w)
	d.SetConfirmText("Rejoin")
	d.SetDismissText("Back to lobby")
	d.Show()
}

// quit is the window's close button: the window goes at once, and the
// call is left and hosting stopped behind it (afterLoop waits for that).
// Everything the window started has ended when quitDone closes.
func (c *controller) quit() {
	c.b.close() // the window is going: later posts go nowhere
	c.shutdown()
	c.app.Quit()
}

// quitGrace is how long a window whose event loop has ended waits for its
// call to be left and its server stopped.
const quitGrace = 5 * time.Second

// afterLoop runs once the event loop has ended, on the main goroutine. The
// loop ends by quit, or by Fyne's own handler of SIGTERM and SIGINT, which
// quit never sees: the call is left here then. (Both handlers acting
// raced: one window in three exited without leaving, and the others saw
// the person for the server's reconnection grace.)
func (c *controller) afterLoop() {
	c.b.close()
	c.shutdown()
	select {
	case <-c.quitDone:
	case <-time.After(quitGrace):
		c.log.Warn("the call was still closing when the window quit")
	}
}

// shutdown stops what the window started, releases the call and, once
// everything has ended, closes quitDone (UI goroutine, or the main one once
// the loop has ended). Only its first call does anything.
func (c *controller) shutdown() {
	if c.shutDown {
		return
	}
	c.shutDown = true
	c.video.closeAll()
	c.stopPreview()
	c.stopDeviceWatch()
	if c.stopWatch != nil {
		close(c.stopWatch)
		c.stopWatch = nil
	}
	if s := c.pres; s != nil {
		c.release(s)
	}
	go func() {
		c.finish()
		close(c.quitDone)
	}()
}

// finish waits for the calls being released, then stops hosting.
func (c *controller) finish() {
	c.closing.Wait()
	if h := c.hosted(); h != nil {
		h.Close()
	}
}
