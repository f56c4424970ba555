package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"confer/app"
	"confer/internal/testenv"
	"confer/internal/wiring"
	"confer/media"
	"confer/media/capture"
)

// peerCall joins room with a camera and a passphrase ("" for none).
func peerCall(t *testing.T, server, room, user, passphrase string) {
	t.Helper()
	pair := capture.AddFakePair("ui-e2ee-" + user)
	c := app.New(wiring.Transport(app.TransportConfig{
		Log: testenv.QuietLog(), CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID,
		Video: media.VideoProfile{Width: 320, Height: 240, FPS: 15, BitrateKbps: 300},
		E2EE:  app.NewE2EE(passphrase),
	}), app.WithLogger(testenv.QuietLog()))
	go func() {
		for range c.Events() {
		}
	}()
	t.Cleanup(c.Close)
	if err := c.Join(context.Background(), app.JoinParams{ServerURL: server, RoomID: room, UserID: user, Name: user, Camera: true}); err != nil {
		t.Fatal(err)
	}
}

// A window that joins with a passphrase shows the lock, the video of
// someone with the same passphrase, says it cannot decrypt someone with
// another and warns about someone who does not encrypt; the passphrase is
// in no preference, and only the invite asked for with it carries it.
func TestAnEncryptedCallShowsWhatItCanAndCannotDecrypt(t *testing.T) {
	capture.RegisterFakeDevices()
	srv := testenv.StartServer(t)
	const pass = "correct horse battery staple"
	a := test.NewTempApp(t)
	loop := startUILoop()
	defer loop.stop()
	var c *controller
	loop.sync(func() {
		w := a.NewWindow("Confer")
		w.Resize(fyne.NewSize(1200, 700))
		c = newTestController(a, w, Options{Server: srv.URL(), Room: "e2", Name: "Grace", E2EE: app.NewE2EE(pass),
			Log: testenv.QuietLog()}, &bridge{run: loop.post})
		c.start()
		c.lobby.camOn.SetChecked(false)
		c.lobby.micOn.SetChecked(false)
		test.Tap(c.lobby.join)
	})
	waitFor(t, loop, "the call", func() bool { return c.view != nil })
	peerCall(t, srv.URL(), "e2", "ada", pass)
	peerCall(t, srv.URL(), "e2", "eve", "another passphrase")
	peerCall(t, srv.URL(), "e2", "joe", "")
	waitFor(t, loop, "the lock, Ada's video, Eve undecryptable, Joe not encrypted", func() bool {
		v := c.view
		ada, eve, joe := v.tiles["ada"], v.tiles["eve"], v.tiles["joe"]
		return v.crypt.lock.Visible() && ada != nil && ada.ShowsVideo() && ada.Info().Status == "" &&
			eve != nil && eve.Info().Status == msgCantDecrypt && !eve.ShowsVideo() &&
			joe != nil && joe.ShowsVideo() && joe.Info().Warning == msgNotEncrypted
	})
	loop.sync(func() {
		if c.view.crypt.banner.Visible() {
			t.Error("a banner for the locked out, shown to someone with the passphrase")
		}
		test.Tap(c.view.invite)
		if plain := a.Clipboard().Content(); strings.Contains(plain, "e2ee") {
			t.Errorf("the plain invite %q carries the passphrase", plain)
		}
		test.Tap(c.view.crypt.invite)
		inv, err := app.ParseInvite(a.Clipboard().Content())
		if err != nil || inv.E2EE.Passphrase() != pass || inv.Room != "e2" {
			t.Errorf("the invite with passphrase reads back as %+v, %v", inv, err)
		}
	})
	prefs, ok := a.Preferences().(interface{ ReadValues(func(map[string]any)) })
	if !ok {
		t.Fatal("the test app's preferences cannot be listed")
	}
	prefs.ReadValues(func(all map[string]any) {
		for k, v := range all {
			if strings.Contains(fmt.Sprint(v), pass) {
				t.Errorf("the passphrase is stored in the preference %q", k)
			}
		}
	})
}

// Someone who joins an encrypted call without the passphrase is told why
// they see nothing.
func TestWithoutThePassphraseABannerSaysWhy(t *testing.T) {
	capture.RegisterFakeDevices()
	srv := testenv.StartServer(t)
	loop, c := joinedWindow(t, srv.URL(), "e3", fyne.NewSize(1000, 700))
	defer loop.stop()
	peerCall(t, srv.URL(), "e3", "ada", "a passphrase")
	waitFor(t, loop, "the banner and Ada's status", func() bool {
		v := c.view
		ada := v.tiles["ada"]
		return v.crypt.banner.Visible() && !v.crypt.lock.Visible() && ada != nil && ada.Info().Status == msgNoPassphrase
	})
}
