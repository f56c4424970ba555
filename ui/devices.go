package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"confer/app"
)

// The call's own devices: turning camera and microphone on and off, the
// Devices dialog (devices, quality, audio profile, mirror), and what happens
// when a device fails.

func (c *controller) toggleMic() { c.toggle(app.SourceMicrophone) }
func (c *controller) toggleCam() { c.toggle(app.SourceCamera) }

// toggle switches the microphone or camera off the UI goroutine, and shows
// the new state once the engine has done it.
func (c *controller) toggle(src app.Source) {
	s, v := c.sess, c.view
	if s == nil || v == nil {
		return
	}
	mic := src == app.SourceMicrophone
	on, set := !v.camOn, s.call.SetCamera
	if mic {
		on, set = !v.micOn, s.call.SetMicrophone
	}
	go func() {
		if set(on) != nil {
			return // the engine reports why as a DeviceError
		}
		c.b.do(func() {
			if mic {
				v.setDevices(on, v.camOn)
			} else {
				v.setDevices(v.micOn, on)
			}
			c.dumpState()
		})
	}()
}

// showDevices lets the person switch camera, microphone and speaker during
// the call; the lobby's pickers are the dialog's, so the choice sticks.
func (c *controller) showDevices() {
	s := c.sess
	if s == nil {
		return
	}
	l := c.lobby
	l.refreshDevices()
	q := c.newQualityItems()
	form := dialog.NewForm("Devices", "Use these", "Cancel", append([]*widget.FormItem{
		widget.NewFormItem("Camera", l.camSel),
		widget.NewFormItem("Microphone", l.micSel),
		widget.NewFormItem("Speaker", l.spkSel),
	}, q.formItems()...), func(ok bool) {
		if !ok {
			return
		}
		c.savePrefs()
		c.applyQuality(q, s)
		cam, mic, spk := l.cameraID(), l.microphoneID(), l.speakerID()
		newSpeaker := spk != s.speaker
		s.speaker = spk
		go func() {
			if err := s.call.UseDevices(cam, mic); err != nil {
				c.log.Warn("switching devices", "err", err)
			}
			if newSpeaker {
				s.setSpeaker(spk, c.log)
			}
		}()
	}, c.w)
	form.Resize(fyne.NewSize(520, 380))
	form.Show()
}

// deviceFailed shows a source that could not start or stopped as off, and
// remembers an unplugged device to offer it back when it returns.
func (c *controller) deviceFailed(e app.DeviceError) {
	v := c.view
	switch e.Source {
	case app.SourceCamera:
		v.setDevices(v.micOn, false)
	case app.SourceMicrophone:
		v.setDevices(false, v.camOn)
	case app.SourceScreen:
		v.setSharing(false)
		return
	}
	if errors.Is(e.Err, app.ErrDeviceLost) {
		if c.lost == nil {
			c.lost = map[app.Source]string{}
		}
		id := c.lobby.cameraID()
		if e.Source == app.SourceMicrophone {
			id = c.lobby.microphoneID()
		}
		c.lost[e.Source] = id
		v.resume.Hide()
	}
}

// Preferences for quality, audio profile and the self-view mirror.
func (c *controller) videoQuality() app.VideoQuality {
	q, _ := app.ParseVideoQuality(c.app.Preferences().StringWithFallback("video-quality", "standard"))
	return q
}

func (c *controller) audioProfile() app.AudioProfile {
	if c.app.Preferences().String("audio-profile") == app.AudioMusic.String() {
		return app.AudioMusic
	}
	return app.AudioSpeech
}

func (c *controller) mirror() bool { return c.app.Preferences().BoolWithFallback("mirror", true) }

// qualityItems are the Devices dialog's quality, audio and mirror choices.
type qualityItems struct {
	quality, audio *widget.Select
	mirror         *widget.Check
}

var (
	qualityLabels = []string{"Low (360p)", "Standard (720p)", "High (1080p)"}
	qualityValues = []app.VideoQuality{app.VideoLow, app.VideoStandard, app.VideoHigh}
	audioLabels   = []string{"Speech", "Music"}
)

func (c *controller) newQualityItems() *qualityItems {
	q := &qualityItems{
		quality: widget.NewSelect(qualityLabels, nil),
		audio:   widget.NewSelect(audioLabels, nil),
		mirror:  widget.NewCheck("Mirror my video (others see it unmirrored)", nil),
	}
	for i, v := range qualityValues {
		if v == c.videoQuality() {
			q.quality.SetSelectedIndex(i)
		}
	}
	q.audio.SetSelectedIndex(int(c.audioProfile()))
	q.mirror.SetChecked(c.mirror())
	return q
}

func (q *qualityItems) formItems() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem("Video quality", q.quality),
		widget.NewFormItem("Audio", q.audio),
		widget.NewFormItem("", q.mirror),
	}
}

// apply saves the choices and applies what changed to the call.
func (c *controller) applyQuality(q *qualityItems, s *session) {
	p := c.app.Preferences()
	quality := qualityValues[max(q.quality.SelectedIndex(), 0)]
	profile := app.AudioProfile(max(q.audio.SelectedIndex(), 0))
	newQuality, newProfile := quality != c.videoQuality(), profile != c.audioProfile()
	p.SetString("video-quality", quality.String())
	p.SetString("audio-profile", profile.String())
	p.SetBool("mirror", q.mirror.Checked)
	if c.view != nil {
		c.view.self.SetMirror(q.mirror.Checked)
	}
	go func() {
		if newQuality {
			_ = s.call.SetVideoQuality(quality)
		}
		if newProfile {
			_ = s.call.SetAudioProfile(profile)
		}
	}()
}
