package ui

import (
	"slices"
	"strings"
	"time"

	"confer/app"
	"confer/media/audio"
	"confer/media/capture"
)

// devicePoll is how often the device lists are read again: mediadevices has
// no hot-plug observer on Linux, and a listing costs little.
const devicePoll = 3 * time.Second

// watchDevices keeps the pickers current while the window is open: when a
// camera, microphone or speaker comes or goes, the lists are refreshed, and
// a device lost during the call is offered back when it returns.
func (c *controller) watchDevices() {
	stop := make(chan struct{})
	c.devWatch = stop
	last := deviceFingerprint()
	every := c.devicePoll
	if every <= 0 {
		every = devicePoll
	}
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			capture.Rescan(c.log)
			if now := deviceFingerprint(); now != last {
				last = now
				c.b.do(c.devicesChanged)
			}
		}
	}()
}

func (c *controller) stopDeviceWatch() {
	if c.devWatch != nil {
		close(c.devWatch)
		c.devWatch = nil
	}
}

// deviceFingerprint names every device connected now, to notice changes.
func deviceFingerprint() string {
	var b strings.Builder
	for _, d := range append(capture.Cameras(), capture.Microphones()...) {
		b.WriteString(d.ID + "\n")
	}
	for _, s := range audio.Speakers() {
		b.WriteString(s.ID + "\n")
	}
	return b.String()
}

// devicesChanged refreshes the pickers (UI goroutine), keeping what was
// chosen when it is still there, and offers back a lost device.
func (c *controller) devicesChanged() {
	l := c.lobby
	cam, mic, spk := l.cameraID(), l.microphoneID(), l.speakerID()
	l.refreshDevices()
	selectByID(l.camSel, l.camIDs, cam)
	selectByID(l.micSel, l.micIDs, mic)
	selectByID(l.spkSel, l.spkIDs, spk)
	if c.view == nil && c.sess == nil {
		c.restartPreview()
	}
	c.offerLostDevice()
	c.dumpState()
}

// offerLostDevice shows "Turn camera on" (or microphone) when the device
// that was unplugged during the call is connected again.
func (c *controller) offerLostDevice() {
	v, s := c.view, c.sess
	if v == nil || s == nil || c.lost == nil {
		return
	}
	for src, id := range c.lost {
		ids, what := c.lobby.camIDs, "camera"
		if src == app.SourceMicrophone {
			ids, what = c.lobby.micIDs, "microphone"
		}
		if !slices.Contains(ids, id) {
			continue
		}
		delete(c.lost, src)
		v.resume.SetText("Your " + what + " is back: turn it on")
		v.resume.OnTapped = func() {
			v.resume.Hide()
			v.showBanner("")
			c.toggle(src)
		}
		v.resume.Show()
		return
	}
}
