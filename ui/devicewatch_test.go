package ui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"confer/internal/testenv"
	"confer/media/capture"
)

func TestPickersFollowDevicesAndAnUnpluggedCameraIsOfferedBack(t *testing.T) {
	capture.RegisterFakeDevices()
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("hotplug")
	a := test.NewTempApp(t)
	loop := startUILoop()
	defer loop.stop()
	var c *controller
	loop.sync(func() {
		c = newController(a, a.NewWindow("Confer"), Options{Server: srv.URL(), Room: "hp", Name: "Grace", Log: testenv.QuietLog()}, &bridge{run: loop.post})
		c.devicePoll = 100 * time.Millisecond
		c.start()
		selectByID(c.lobby.camSel, c.lobby.camIDs, pair.CameraID)
		selectByID(c.lobby.micSel, c.lobby.micIDs, pair.MicrophoneID)
	})
	added := capture.AddFakePair("plugged-later")
	waitFor(t, loop, "the new camera in the picker", func() bool { return slices.Contains(c.lobby.camIDs, added.CameraID) })
	loop.sync(func() {
		if c.lobby.cameraID() != pair.CameraID {
			t.Errorf("the refresh changed the chosen camera to %q", c.lobby.cameraID())
		}
		test.Tap(c.lobby.join)
	})
	waitFor(t, loop, "the call with the camera on", func() bool { return c.view != nil && c.view.camOn })

	capture.Unplug(pair.CameraID)
	waitFor(t, loop, "the camera off with a message", func() bool {
		return !c.view.camOn && strings.Contains(c.view.banner.Text, "unplugged") && !c.view.resume.Visible()
	})
	capture.Plug(pair.CameraID)
	waitFor(t, loop, "the offer to turn it back on", func() bool {
		return c.view.resume.Visible() && strings.Contains(c.view.resume.Text, "camera is back")
	})
	loop.sync(func() { test.Tap(c.view.resume) })
	waitFor(t, loop, "the camera on again", func() bool { return c.view.camOn && c.view.self.ShowsVideo() })
	loop.sync(c.quit)
	<-c.quitDone
	loop.sync(func() {})
}
