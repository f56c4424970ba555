package ui

import (
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
		c = newTestController(a, a.NewWindow("Confer"), Options{Server: srv.URL(), Room: "hp", Name: "Grace", Log: testenv.QuietLog()}, &bridge{run: loop.post})
		c.devicePoll = 100 * time.Millisecond
		c.start()
		c.devices.camera, c.devices.microphone = pair.CameraID, pair.MicrophoneID
		c.lobby.showDevices()
	})
	added := capture.AddFakePair("plugged-later")
	waitFor(t, loop, "the new camera in the picker", func() bool {
		return has(c.devices.cameras, added.CameraID) && len(c.lobby.camSel.Options) == len(c.devices.cameras)
	})
	loop.sync(func() {
		if c.devices.camera != pair.CameraID || c.lobby.camSel.SelectedIndex() != index(c.devices.cameras, pair.CameraID) {
			t.Errorf("the refresh changed the chosen camera to %q (picker at %d)", c.devices.camera, c.lobby.camSel.SelectedIndex())
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
