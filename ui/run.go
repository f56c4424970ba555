package ui

import (
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"confer/app"
	"confer/assets"
)

// Options come from the command line (and invite links).
type Options struct {
	Server, Room, Name string
	Password, Token    string
	Join               bool // join at once with what is filled in
	FakeDevices        bool // use the synthetic camera and microphone
	// Camera and Microphone, "on" or "off", override the remembered
	// choice of starting with them; "" keeps it.
	Camera, Microphone string
	// StatePath, when set, receives the UI's model as JSON after every
	// change; window tests read it beside their screenshots.
	StatePath string
	// HostBind is where "Host on this computer" listens; default 0.0.0.0
	// (the LAN). Tests keep it on loopback.
	HostBind string
	Log      *slog.Logger
	// E2EE pre-fills the lobby's end-to-end encryption passphrase (from an
	// invite link's #e2ee=… or --e2ee-passphrase).
	E2EE app.E2EE

	// FyneVideo paints the videos with Fyne's canvas even where they could
	// go to native child windows (CONFER_VIDEO=fyne): the fallback, and a
	// comparison for benchmarks.
	FyneVideo bool

	// Transport makes each call's transport; main injects LiveKit's.
	Transport app.TransportFactory
	// StartHost runs a room server on this computer; nil offers no hosting.
	StartHost app.HostStarter
}

// AppID is Confer's application ID (preferences, desktop integration).
const AppID = "app.confer.Confer"

// Run opens the window and returns when it is closed.
func Run(opts Options) error {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(assets.Icon)
	w := a.NewWindow("Confer")
	w.Resize(fyne.NewSize(1024, 700))
	b := newBridge()
	c := newController(a, w, opts, b)
	var after sync.Once
	finish := func() { after.Do(c.afterLoop) }
	watch := newLoopWatch(loopExitGrace, finish, os.Exit, opts.Log)
	w.SetCloseIntercept(func() {
		watch.arm()
		c.quit()
	})
	stop := quitOnSignal(b, watch.arm)
	defer stop()
	c.start()
	w.ShowAndRun()
	watch.loopEnded()
	finish()
	return nil
}

// quitOnSignal closes the bridge on SIGTERM and SIGINT (a logout, Ctrl+C in
// a terminal). Fyne's own handler of those signals ends the event loop, and
// afterLoop leaves the call; once the loop is gone fyne.Do runs functions
// on the caller's goroutine, so background work must stop posting first.
func quitOnSignal(b *bridge, ending func()) (stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			b.close()
			ending()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
	}
}
