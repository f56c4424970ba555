package ui

import (
	"context"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"confer/app"
	"confer/app/livekit"
	"confer/app/roomkeys"
	"confer/internal/bot"
	"confer/internal/testenv"
	"confer/internal/wiring"
	"confer/media"
	"confer/media/capture"
)

// newTestController is newController with the parts main would inject.
func newTestController(a fyne.App, w fyne.Window, o Options, b *bridge) *controller {
	o.Transport, o.StartHost = wiring.Transport, wiring.StartHost
	return newController(a, w, o, b)
}

// uiLoop is the tests' UI goroutine: every widget access, the app's and the
// test's, runs on it in turn, as on the real main thread.
type uiLoop struct {
	fns    chan func()
	done   chan struct{}
	mu     sync.Mutex // guards closed against post
	closed bool
}

func startUILoop() *uiLoop {
	l := &uiLoop{fns: make(chan func(), 1024), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for fn := range l.fns {
			fn()
		}
	}()
	return l
}

// post queues fn; after stop it drops fn, as Fyne does once the app quit
// (a failed test stops the loop while the app's goroutines still post).
func (l *uiLoop) post(fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed {
		l.fns <- fn
	}
}

// sync runs fn on the UI goroutine and waits for it.
func (l *uiLoop) sync(fn func()) {
	done := make(chan struct{})
	l.post(func() { fn(); close(done) })
	<-done
}

func (l *uiLoop) stop() {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.fns)
	}
	l.mu.Unlock()
	<-l.done
}

// waitFor polls cond on the UI goroutine.
func waitFor(t *testing.T, l *uiLoop, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ok := false
		l.sync(func() { ok = cond() })
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestJoinLeaveThreeTimesLeavesNothingBehind(t *testing.T) {
	capture.RegisterFakeDevices()
	srv := testenv.StartServer(t)
	livekit.SetLibraryLogger(testenv.QuietLog())

	// Someone already in the room, publishing.
	pair := capture.AddFakePair("ada")
	ctx, stopBot := context.WithCancel(context.Background())
	var botDone sync.WaitGroup
	botDone.Add(1)
	go func() {
		defer botDone.Done()
		_, _ = bot.Run(ctx, bot.Config{Server: srv.URL(), Room: "r1", Name: "Ada", User: "ada", Video: true, Audio: true,
			CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID, Profile: media.VideoProfile{Width: 320, Height: 240, FPS: 15, BitrateKbps: 300},
			Log: testenv.QuietLog(), Transport: wiring.Transport})
	}()
	defer func() { stopBot(); botDone.Wait() }()

	a := test.NewTempApp(t)
	loop := startUILoop()
	var c *controller
	var baseline int
	testenv.Labelled("ui", func() {
		loop.sync(func() {
			w := a.NewWindow("Confer")
			w.Resize(fyne.NewSize(1024, 700))
			c = newTestController(a, w, Options{Server: srv.URL(), Room: "r1", Name: "Grace", Log: testenv.QuietLog()}, &bridge{run: loop.post})
			c.start()
		})
	})
	waitFor(t, loop, "the lobby preview", func() bool { return c.lobby.preview.Frames() > 0 })
	baseline = testenv.CountGoroutines("ui")

	for round := 1; round <= 3; round++ {
		loop.sync(func() { test.Tap(c.lobby.join) })
		waitFor(t, loop, "Ada's video in the call", func() bool {
			if c.view == nil {
				return false
			}
			ada := c.view.tiles["ada"]
			return ada != nil && ada.ShowsVideo() && c.view.self.ShowsVideo()
		})
		if open := windowDevices(); len(open) != 2 {
			t.Errorf("round %d: open devices in the call %v, want the camera and the microphone", round, open)
		}
		if round == 2 {
			// Muting keeps the microphone open (nothing is sent; the voice
			// detector can say "you're muted"); leaving releases it.
			loop.sync(func() { test.Tap(c.view.mic) })
			waitFor(t, loop, "the microphone muted", func() bool {
				return !c.view.micOn && c.pres.call.Snapshot().Sources[app.SourceMicrophone] == app.LocalSourceChanged{Source: app.SourceMicrophone}
			})
			loop.sync(func() { test.Tap(c.view.mic) })
			waitFor(t, loop, "the microphone back", func() bool { return c.view.micOn && len(windowDevices()) == 2 })
		}
		if round == 1 {
			loop.sync(func() {
				if !c.view.devices.Visible() {
					t.Error("no Devices button in the call")
				}
				c.showDevices() // the dialog opens over the call
			})
		}
		loop.sync(func() { test.Tap(c.view.leave) })
		// The lobby shows at once; the call lets go of the devices behind it.
		waitFor(t, loop, "the lobby", func() bool { return c.view == nil && c.pres == nil })
		waitFor(t, loop, "the devices released", func() bool { return len(windowDevices()) == 0 })
		// The person turns the preview back on: back to where we started.
		loop.sync(func() { test.Tap(c.lobby.previewOn) })
		waitFor(t, loop, "the preview again", func() bool { return len(windowDevices()) == 2 })
		testenv.WaitGoroutines(t, "ui", baseline, 5*time.Second)
	}

	// The same user ID joins elsewhere: this window is told why it left.
	loop.sync(func() { test.Tap(c.lobby.join) })
	waitFor(t, loop, "the call", func() bool { return c.view != nil })
	var userID string
	loop.sync(func() { userID = c.pres.params.UserID })
	twin := app.New(wiring.Transport(app.TransportConfig{Log: testenv.QuietLog()}), app.WithLogger(testenv.QuietLog()))
	go func() {
		for range twin.Events() {
		}
	}()
	defer twin.Close()
	if err := twin.Join(context.Background(), app.JoinParams{ServerURL: srv.URL(), RoomID: "r1", UserID: userID, Name: "Grace"}); err != nil {
		t.Fatalf("twin join: %v", err)
	}
	waitFor(t, loop, "the duplicate-login message", func() bool { return c.view == nil && c.dialog == "Removed from the call" })

	loop.sync(c.quit)
	<-c.quitDone
	loop.sync(func() {}) // run the Quit that quit posted
	if open := windowDevices(); len(open) != 0 {
		t.Errorf("devices still open after quitting: %v", open)
	}
	loop.stop()
	testenv.CheckNoGoroutines(t, "ui", 5*time.Second)
}

// windowDevices lists the open devices of the window (the bot has its own).
func windowDevices() []string {
	var out []string
	for _, id := range capture.OpenDevices() {
		if !strings.HasSuffix(id, "-ada") {
			out = append(out, id)
		}
	}
	return out
}

func TestPastedTokenDecidesUserAndRoom(t *testing.T) {
	capture.RegisterFakeDevices()
	srv := testenv.StartServer(t)
	token, err := roomkeys.MintToken(testenv.Keys, roomkeys.TokenRequest{Room: "from-token", User: "bo-token", Name: "Bo"})
	if err != nil {
		t.Fatal(err)
	}
	a := test.NewTempApp(t)
	loop := startUILoop()
	defer loop.stop()
	var c *controller
	loop.sync(func() {
		c = newTestController(a, a.NewWindow("Confer"), Options{Server: srv.URL(), Room: "typed-room", Name: "Bo", Token: token, Log: testenv.QuietLog()}, &bridge{run: loop.post})
		c.start()
		c.lobby.camOn.SetChecked(false)
		c.lobby.micOn.SetChecked(false)
		test.Tap(c.lobby.join)
	})
	waitFor(t, loop, "the call", func() bool { return c.view != nil || c.lobby.message.Visible() })
	loop.sync(func() {
		if c.view == nil {
			t.Fatalf("join with a pasted token failed: %s", c.lobby.message.Text)
		}
		if p := c.pres.params; p.UserID != "bo-token" || p.RoomID != "from-token" {
			t.Errorf("joined as %q in %q; want the token's user and room", p.UserID, p.RoomID)
		}
	})
	loop.sync(c.quit)
	<-c.quitDone
	loop.sync(func() {})
}

func TestLobbyValidation(t *testing.T) {
	test.NewTempApp(t)
	submitted := 0
	l := newLobby(func(fn func()) { fn() }, &deviceModel{}, func() { submitted++ }, nil)
	l.mode.SetSelected(modeJoin)
	l.name.SetText("  ")
	l.room.SetText("team standup")
	l.server.SetText("ftp://nowhere")
	if _, ok := l.params(); ok {
		t.Fatal("bad form accepted")
	}
	for _, lab := range []struct {
		name string
		text string
		want string
	}{{"name", l.nameErr.Text, "Type your name"}, {"room", l.roomErr.Text, "letters, digits, _ and -"}, {"server", l.serverErr.Text, "server's address"}} {
		if !strings.Contains(lab.text, lab.want) {
			t.Errorf("%s error %q, want it to say %q", lab.name, lab.text, lab.want)
		}
	}
	l.name.SetText("Grace")
	l.room.SetText("8888")
	l.server.SetText("192.168.1.20:7880")
	l.password.SetText("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJncmFjZSIsInZpZGVvIjp7InJvb20iOiI4ODg4In19.c2lnbmF0dXJlLXNpZ25hdHVyZQ")
	p, ok := l.params()
	if !ok || l.nameErr.Visible() || l.roomErr.Visible() || l.serverErr.Visible() {
		t.Fatalf("good form rejected: %+v", p)
	}
	if p.Token == "" || p.Password != "" {
		t.Errorf("a pasted token was taken for a password: %+v", p)
	}
	test.Type(l.room, "1")
	l.room.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if submitted != 1 {
		t.Errorf("Enter submitted %d times", submitted)
	}
}

func TestCallBannersAndTiles(t *testing.T) {
	test.NewTempApp(t)
	ui := func(fn func()) { fn() }
	nop := func() {}
	v := newCallView("Grace", ui, callActions{toggleMic: nop, toggleCam: nop, copyInvite: nop, leave: nop})
	if v.endAll.Visible() {
		t.Error("End call for everyone shown to someone who does not host")
	}
	routes := newRouter()
	steps := []struct {
		ev     app.Event
		banner string
	}{
		{app.UserJoined{UserID: "ada", Name: "Ada"}, ""},
		{app.RemoteVideo{UserID: "ada", Source: app.SourceCamera, Available: true}, ""},
		{app.StateChanged{State: app.Reconnecting}, "reconnecting"},
		{app.StateChanged{State: app.Connected}, ""},
		{app.DeviceError{Source: app.SourceCamera, Err: app.ErrNoCamera}, "Camera not available"},
		{app.AudioLevels{Speaking: map[string]bool{"ada": true}}, "Camera not available"},
		{app.NetworkQuality{UserID: "ada", Quality: app.QualityPoor}, "Camera not available"},
	}
	for _, s := range steps {
		v.onEvent(s.ev, ui, routes)
		if got := v.banner.Text; (s.banner == "") == v.banner.Visible() || !strings.Contains(got, s.banner) {
			t.Errorf("after %#v: banner %q (visible %v), want %q", s.ev, got, v.banner.Visible(), s.banner)
		}
	}
	if ada := v.tiles["ada"].Info(); v.count.Text != "2 people" || !ada.VideoOn || !ada.Speaking || ada.Quality != 1 {
		t.Errorf("count %q, Ada %+v", v.count.Text, ada)
	}
	v.onEvent(app.AudioLevels{LocalSpeaking: true}, ui, routes)
	if !v.self.Info().Speaking || v.tiles["ada"].Info().Speaking {
		t.Error("speaking highlight did not move from Ada to me")
	}
	v.onEvent(app.UserLeft{UserID: "ada"}, ui, routes)
	if len(v.tiles) != 0 || v.count.Text != "Only you so far" {
		t.Errorf("after Ada left: %d tiles, count %q", len(v.tiles), v.count.Text)
	}
}

func TestHostRemovesSomeoneAndEndsTheCall(t *testing.T) {
	server, err := testenv.ServerProgram() // hosting runs it, as beside the window
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(server)+string(os.PathListSeparator)+os.Getenv("PATH"))
	capture.RegisterFakeDevices()
	livekit.SetLibraryLogger(testenv.QuietLog())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir()) // the host's keys
	a := test.NewTempApp(t)
	loop := startUILoop()
	defer loop.stop()
	var c *controller
	loop.sync(func() {
		w := a.NewWindow("Confer")
		c = newTestController(a, w, Options{Room: "r2", Name: "Host", HostBind: "127.0.0.1", Log: testenv.QuietLog()}, &bridge{run: loop.post})
		c.start()
		c.lobby.mode.SetSelected(modeHost)
		test.Tap(c.lobby.join)
	})
	waitFor(t, loop, "the hosted call", func() bool { return c.view != nil })
	var url string
	loop.sync(func() {
		url = c.hosted().URL()
		if !c.view.endAll.Visible() {
			t.Error("the host has no End call for everyone")
		}
	})
	guest := quietCall()
	defer guest.call.Close()
	if err := guest.call.Join(context.Background(), app.JoinParams{ServerURL: url, RoomID: "r2", UserID: "guest", Name: "Guest", Microphone: true}); err != nil {
		t.Fatalf("guest join: %v", err)
	}
	waitFor(t, loop, "the guest's tile", func() bool { return c.view != nil && c.view.tiles["guest"] != nil })
	loop.sync(func() { c.view.remove("guest") })
	guest.wait(t, func(ev app.Event) bool { e, ok := ev.(app.KickedOut); return ok && e.Reason == app.KickRemoved })

	loop.sync(func() { test.Tap(c.view.endAll) })
	waitFor(t, loop, "the room-closed message", func() bool { return c.view == nil && c.dialog == "Removed from the call" })
	loop.sync(c.quit)
	<-c.quitDone
	loop.sync(func() {})
	// Quitting stops the room server the window ran.
	u, _ := neturl.Parse(url)
	if conn, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		conn.Close()
		t.Errorf("the hosted server at %s still answers after quitting", u.Host)
	}
}

// quietCall is an engine with no devices, its events on a channel.
type eventedCall struct {
	call   *app.Call
	events chan app.Event
}

func quietCall() *eventedCall {
	e := &eventedCall{call: app.New(wiring.Transport(app.TransportConfig{Log: testenv.QuietLog()}), app.WithLogger(testenv.QuietLog())), events: make(chan app.Event, 64)}
	go func() {
		for ev := range e.call.Events() {
			select {
			case e.events <- ev:
			default:
			}
		}
	}()
	return e
}

func (e *eventedCall) wait(t *testing.T, match func(app.Event) bool) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-e.events:
			if match(ev) {
				return
			}
		case <-timeout:
			t.Fatal("event never came")
		}
	}
}

func TestEveryKickReasonHasItsOwnMessage(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range []app.KickReason{app.KickDuplicate, app.KickRemoved, app.KickRoomClosed} {
		m := r.Message()
		if m == "" || seen[m] {
			t.Errorf("%v: message %q is empty or shared", r, m)
		}
		seen[m] = true
	}
}
