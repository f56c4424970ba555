package ui

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/app/host"
	"confer/app/livekit"
	"confer/media"
	"confer/media/audio"
	"confer/ui/widgets"
)

// framePace is the shortest time between two repaints for video: at most
// 40 a second, enough for 30 fps cameras without holding their frames back.
const framePace = 25 * time.Millisecond

// controller connects the screens to the call engine. All its fields are
// used on the UI goroutine, except hostMu's.
type controller struct {
	app fyne.App
	w   fyne.Window
	b   *bridge
	// paint paces the video tiles' refreshes (see widgets.Painter).
	paint *widgets.Painter
	opts  Options
	log   *slog.Logger

	routes *router
	lobby  *lobby
	view   *callView
	sess   *session
	prev   *preview
	dialog string // title of the dialog on screen, for the state dump

	stopWatch chan struct{} // ends watchState
	devWatch  chan struct{} // ends watchDevices
	// devicePoll overrides how often devices are listed (tests).
	devicePoll time.Duration
	// lost holds the device each source lost mid-call, to offer it back.
	lost     map[app.Source]string
	quitDone chan struct{} // closed when quit has released everything

	hostMu sync.Mutex
	host   *host.Server // the room server when hosting; lives until quit
}

// session is one call, from join to leave: its engine, its audio output and
// the goroutine that pumps its events to the UI.
type session struct {
	call    *app.Call
	mixer   *audio.Mixer
	speaker string // output chosen in the lobby or the Devices dialog

	playerMu sync.Mutex // guards player: set by the join goroutine, swapped by a device change
	player   *audio.Player
	params   app.JoinParams
	invite   string
	pumpDone chan struct{}

	hosting bool        // this computer runs the room server of this call
	early   []app.Event // events that came before the call screen showed
	leaving bool        // the user asked to leave: no "disconnected" dialog
	ended   bool
}

func newController(a fyne.App, w fyne.Window, opts Options, b *bridge) *controller {
	c := &controller{app: a, w: w, b: b, opts: opts, log: opts.Log, routes: newRouter(), quitDone: make(chan struct{})}
	c.paint = widgets.NewPainter(c.b.do, framePace)
	c.lobby = newLobby(c.paint.Schedule, c.submit, c.restartPreview)
	c.lobby.onHostMode = c.prepareHost
	return c
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
	mode := p.StringWithFallback("mode", modeHost)
	if c.opts.Server != "" {
		mode = modeJoin
	}
	l.mode.SetSelected(mode)
	l.camOn.SetChecked(onOff(c.opts.Camera, p.BoolWithFallback("camera-on", true)))
	l.micOn.SetChecked(onOff(c.opts.Microphone, p.BoolWithFallback("mic-on", true)))
	selectByID(l.camSel, l.camIDs, p.String("camera"))
	selectByID(l.micSel, l.micIDs, p.String("microphone"))
	selectByID(l.spkSel, l.spkIDs, p.String("speaker"))
	l.preview.SetMirror(c.mirror())
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
	go func() {
		srv, err := c.ensureHost()
		c.b.do(func() {
			if err != nil {
				l.hostInfo.SetText("Could not start hosting here: " + err.Error())
				return
			}
			room := l.room.Text
			l.hostInfo.SetText("Others join at " + srv.URL() + ", room " + first(room, "(your room ID)"))
			l.hostCopy.OnTapped = func() { c.w.Clipboard().SetContent(app.InviteLink(srv.URL(), l.room.Text)) }
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
	p.SetBool("camera-on", l.camOn.Checked)
	p.SetBool("mic-on", l.micOn.Checked)
	p.SetString("camera", l.cameraID())
	p.SetString("microphone", l.microphoneID())
	p.SetString("speaker", l.speakerID())
}

// selectByID selects the device with this ID when it is connected.
func selectByID(sel *widget.Select, ids []string, id string) {
	for i, x := range ids {
		if x == id && id != "" {
			sel.SetSelectedIndex(i)
			return
		}
	}
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
	c.dumpState()
}

func (c *controller) restartPreview() {
	c.prev.stop()
	c.prev = nil
	if c.view != nil || c.sess != nil || c.lobby.previewOn.Visible() {
		return
	}
	l := c.lobby
	info := l.preview.Info()
	info.VideoOn = l.camOn.Checked
	l.preview.SetInfo(info)
	level := func(rms float64) { c.b.do(func() { l.meter.SetRMS(rms) }) }
	prev, camErr, micErr := startPreview(l.cameraID(), l.microphoneID(), l.camOn.Checked, l.micOn.Checked, l.preview, level)
	c.prev = prev
	if !l.micOn.Checked {
		l.meter.SetRMS(0)
	}
	if camErr != nil || micErr != nil {
		c.log.Info("preview", "camera", camErr, "microphone", micErr)
	}
}

// submit checks the lobby and joins in the background.
func (c *controller) submit() {
	p, ok := c.lobby.params()
	if !ok || c.sess != nil {
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
	c.prev.stop()
	c.prev = nil
	s := c.newSession(p)
	c.sess = s
	s.hosting = c.lobby.mode.Selected == modeHost
	go c.join(s, s.hosting)
}

func (c *controller) newSession(p app.JoinParams) *session {
	s := &session{mixer: audio.NewMixer(), params: p, pumpDone: make(chan struct{}), speaker: c.lobby.speakerID()}
	tr := livekit.New(livekit.Options{
		Log:          c.log,
		CameraID:     c.lobby.cameraID(),
		MicrophoneID: c.lobby.microphoneID(),
		Preview:      c.routes.sink(selfKey),
		Video:        livekit.ProfileFor(c.videoQuality()),
		Audio:        c.audioProfile(),
		VideoSink: func(user string, src app.Source) media.FrameSink {
			if src == app.SourceScreen {
				return c.routes.sink(screenKey(user))
			}
			return c.routes.sink(user)
		},
		AudioSink: func(string, app.Source) media.PCMSink { return s.mixer.NewInput() },
	})
	s.call = app.New(tr, c.log)
	s.call.EnableAudioLevels(200 * time.Millisecond) // speaking highlights
	go func() {
		defer close(s.pumpDone)
		for ev := range s.call.Events() {
			c.b.do(func() { c.onEvent(s, ev) })
		}
	}()
	return s
}

// join runs off the UI goroutine: starting the room server and the network
// work take time.
func (c *controller) join(s *session, hosting bool) {
	p := &s.params
	if hosting {
		srv, err := c.ensureHost()
		if err != nil {
			c.b.do(func() { c.joinFailed(s, "Could not start hosting: "+err.Error()) })
			return
		}
		p.ServerURL = srv.URL()
	}
	s.invite = app.InviteLink(p.ServerURL, p.RoomID)
	s.setSpeaker(s.speaker, c.log)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.call.Join(ctx, *p); err != nil {
		c.b.do(func() { c.joinFailed(s, joinFailure(err)) })
		return
	}
	c.b.do(func() { c.enterCall(s) })
}

func (c *controller) ensureHost() (*host.Server, error) {
	c.hostMu.Lock()
	defer c.hostMu.Unlock()
	if c.host != nil {
		return c.host, nil
	}
	keys, err := host.LoadOrCreateKeys()
	if err != nil {
		return nil, err
	}
	bind := c.opts.HostBind
	if bind == "" {
		bind = "0.0.0.0"
	}
	cfg := host.Config{Bind: bind, Port: host.DefaultPort, RTCUDPPort: host.DefaultRTCUDPPort,
		RTCTCPPort: host.DefaultRTCTCPPort, Keys: keys, Log: c.log}
	srv, err := host.Start(context.Background(), cfg)
	if err != nil { // ports taken (another Confer hosting?): take free ones
		cfg.Port, cfg.RTCUDPPort, cfg.RTCTCPPort = 0, 0, 0
		srv, err = host.Start(context.Background(), cfg)
	}
	if err != nil {
		return nil, err
	}
	c.host = srv
	return srv, nil
}

// adminDo runs a host's admin action off the UI goroutine and shows a
// failure as a banner.
func (c *controller) adminDo(s *session, fn func(*livekit.Admin) error) {
	c.hostMu.Lock()
	srv := c.host
	c.hostMu.Unlock()
	if srv == nil {
		return
	}
	go func() {
		keys := srv.Keys()
		a, err := livekit.NewAdmin(srv.URL(), keys.APIKey, keys.APISecret)
		if err == nil {
			err = fn(a)
		}
		if err != nil {
			c.b.do(func() {
				if c.view != nil && c.sess == s {
					c.view.showBanner("Could not do that: " + err.Error())
				}
			})
		}
	}()
}

func (c *controller) joinFailed(s *session, msg string) {
	go s.close()
	c.sess = nil
	c.lobby.setBusy(false)
	c.lobby.showMessage(msg)
	c.restartPreview()
	c.dumpState()
}

func (c *controller) enterCall(s *session) {
	if c.sess != s {
		return
	}
	c.lobby.setBusy(false)
	act := callActions{
		toggleMic: c.toggleMic,
		toggleCam: c.toggleCam,
		devices:   c.showDevices,
		share:     c.toggleShare,
		sized: func(user string, src app.Source, w, h int) {
			go s.call.SetRemoteVideoSize(user, src, w, h)
		},
		copyInvite: func() { c.w.Clipboard().SetContent(s.invite) },
		leave:      c.leave,
	}
	if s.hosting {
		act.endForAll = func() {
			c.adminDo(s, func(a *livekit.Admin) error { return a.Close(context.Background(), s.params.RoomID) })
		}
		act.remove = func(user string) {
			c.adminDo(s, func(a *livekit.Admin) error { return a.Remove(context.Background(), s.params.RoomID, user) })
		}
	}
	v := newCallView(s.params.Name, c.paint.Schedule, act)
	c.view = v
	c.routes.set(selfKey, v.self)
	v.self.SetMirror(c.mirror())
	v.setDevices(s.params.Microphone, s.params.Camera)
	c.w.SetContent(v.root)
	c.addShortcuts()
	for _, ev := range s.early {
		c.onEvent(s, ev)
	}
	s.early = nil
	c.dumpState()
}

// onEvent applies an event of session s (UI goroutine).
func (c *controller) onEvent(s *session, ev app.Event) {
	if c.sess != s || s.ended {
		return
	}
	if c.view == nil {
		s.early = append(s.early, ev)
		return
	}
	c.view.onEvent(ev, c.paint.Schedule, c.routes)
	switch e := ev.(type) {
	case app.DeviceError:
		c.deviceFailed(e)
	case app.KickedOut:
		s.ended = true
		c.endCall(s)
		c.showDialog("Removed from the call", e.Reason.Message(), nil)
	case app.StateChanged:
		if e.State == app.Disconnected && !s.leaving {
			s.ended = true
			c.endCall(s)
			c.showDisconnected(s.params, e.Err)
		}
	}
	c.dumpState()
}

func (c *controller) addShortcuts() {
	cv := c.w.Canvas()
	cv.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyD, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { c.toggleMic() })
	cv.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { c.toggleCam() })
}

func (c *controller) removeShortcuts() {
	cv := c.w.Canvas()
	cv.RemoveShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyD, Modifier: fyne.KeyModifierShortcutDefault})
	cv.RemoveShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault})
}

// leave is the Leave button: release everything, then back to the lobby.
func (c *controller) leave() {
	s := c.sess
	if s == nil || s.leaving {
		return
	}
	s.leaving = true
	c.view.leave.Disable()
	go func() {
		s.close()
		c.b.do(func() { c.toLobby(s) })
	}()
}

// endCall tears a session down after the server or the network ended it.
func (c *controller) endCall(s *session) {
	go s.close()
	c.toLobby(s)
}

func (c *controller) toLobby(s *session) {
	if c.sess != s {
		return
	}
	c.lobby.previewOn.Show() // the camera stays off after a call
	c.sess = nil
	c.view = nil
	c.routes.set(selfKey, nil)
	c.removeShortcuts()
	c.showLobby()
}

func (c *controller) showDisconnected(p app.JoinParams, err error) {
	title, msg := "Disconnected", "The connection to the call was lost."
	switch {
	case errors.Is(err, livekit.ErrServerGone):
		title, msg = "The call ended", "The room server stopped: the host may have quit Confer."
	case errors.Is(err, livekit.ErrConnectionLost):
		msg = "The network stayed down too long, so the call was left. Rejoin when you are back online."
	case err != nil:
		msg = "The connection to the call was lost: " + err.Error() + "."
	}
	c.showDialog(title, msg, func() {
		c.lobby.setBusy(false)
		c.submit()
	})
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

// setSpeaker plays the call through an output, closing the one before.
func (s *session) setSpeaker(id string, log *slog.Logger) {
	player, err := audio.NewPlayerOn(s.mixer, id, log)
	if err != nil {
		log.Warn("no audio output", "err", err)
	}
	s.playerMu.Lock()
	old := s.player
	s.player = player
	s.playerMu.Unlock()
	if old != nil {
		old.Close()
	}
}

// close ends the session and waits for everything it started.
func (s *session) close() {
	s.call.Close()
	<-s.pumpDone
	s.playerMu.Lock()
	defer s.playerMu.Unlock()
	if s.player != nil {
		s.player.Close()
		s.player = nil
	}
}

// quit is the window's close button: leave cleanly, stop hosting, exit.
func (c *controller) quit() {
	c.prev.stop()
	c.prev = nil
	c.stopDeviceWatch()
	if c.stopWatch != nil {
		close(c.stopWatch)
		c.stopWatch = nil
	}
	s := c.sess
	c.sess = nil
	go func() {
		if s != nil {
			s.close()
		}
		c.hostMu.Lock()
		if c.host != nil {
			c.host.Close()
		}
		c.hostMu.Unlock()
		// Post Quit before announcing the end: whoever waits on quitDone
		// may stop the UI goroutine right after.
		c.b.do(c.app.Quit)
		close(c.quitDone)
	}()
}
