package ui

import (
	"time"

	"confer/app"
	"confer/media/capture"
)

// devicePoll is how often the device lists are read again: mediadevices has
// no hot-plug observer on Linux, and a listing costs little.
const devicePoll = 3 * time.Second

// watchDevices keeps the pickers current while the window is open: when a
// camera, microphone or speaker comes or goes, the lists are refreshed, and
// a device lost during the call is offered back when it returns. Listing
// runs off the UI goroutine; the model changes on it.
func (c *controller) watchDevices() {
	stop := make(chan struct{})
	c.devWatch = stop
	last := c.devices.fingerprint()
	every := c.devicePoll
	if every <= 0 {
		every = devicePoll
	}
	c.closing.Add(1)
	go func() {
		defer c.closing.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			capture.Rescan(c.log)
			var now deviceModel
			now.refresh()
			if fp := now.fingerprint(); fp != last {
				last = fp
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

// devicesChanged refreshes the model and the pickers (UI goroutine),
// keeping what was chosen when it is still there, and offers back a lost
// device.
func (c *controller) devicesChanged() {
	c.devices.refresh()
	c.lobby.showDevices()
	if c.view == nil && c.pres == nil {
		c.restartPreview()
	}
	c.offerLostDevice()
	c.dumpState()
}

// offerLostDevice shows "Turn camera on" (or microphone) when the device
// that was unplugged during the call is connected again.
func (c *controller) offerLostDevice() {
	s := c.pres
	if s == nil || s.view == nil || s.lost == nil {
		return
	}
	v := s.view
	for src, id := range s.lost {
		ds, what := c.devices.cameras, "camera"
		if src == app.SourceMicrophone {
			ds, what = c.devices.microphones, "microphone"
		}
		if !has(ds, id) {
			continue
		}
		delete(s.lost, src)
		v.resume.SetText("Your " + what + " is back: turn it on")
		v.resume.OnTapped = func() {
			v.resume.Hide()
			v.showBanner("")
			if src == app.SourceMicrophone {
				s.call.SetMicrophone(true)
			} else {
				s.call.SetCamera(true)
			}
		}
		v.resume.Show()
		return
	}
}
