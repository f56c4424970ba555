package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"confer/app"
)

// The call's own devices: the Devices dialog (devices, quality, audio
// profile, mirror), and what happens when a device fails.

// devicesForm is the Devices dialog's pickers, made from the device model
// each time the dialog opens (widgets are never shared between screens).
type devicesForm struct {
	camera, microphone, speaker *widget.Select
	quality, audio              *widget.Select
	cleanup                     *processingChecks
	mirror                      *widget.Check
	sounds                      *widget.Check
}

var (
	qualityLabels = []string{"Low (360p)", "Standard (720p)", "High (1080p)"}
	qualityValues = []app.VideoQuality{app.VideoLow, app.VideoStandard, app.VideoHigh}
	audioLabels   = []string{"Speech", "Music"}
)

func newDevicesForm(m *deviceModel) *devicesForm {
	f := &devicesForm{
		camera:     widget.NewSelect(nil, nil),
		microphone: widget.NewSelect(nil, nil),
		speaker:    widget.NewSelect(nil, nil),
		quality:    widget.NewSelect(qualityLabels, nil),
		audio:      widget.NewSelect(audioLabels, nil),
		cleanup:    newProcessingChecks(),
		mirror:     widget.NewCheck("Mirror my video (others see it unmirrored)", nil),
		sounds:     widget.NewCheck("Play a sound when someone joins, leaves or raises a hand", nil),
	}
	fill(f.camera, m.cameras, m.camera)
	fill(f.microphone, m.microphones, m.microphone)
	fill(f.speaker, m.speakers, m.speaker)
	for i, q := range qualityValues {
		if q == m.quality {
			f.quality.SetSelectedIndex(i)
		}
	}
	f.audio.SetSelectedIndex(int(m.audio))
	f.cleanup.set(m.processing)
	// Another profile brings its own clean-up: music wants the raw
	// signal. The person can still change each switch after.
	f.audio.OnChanged = func(string) { f.cleanup.set(processingFor(app.AudioProfile(max(f.audio.SelectedIndex(), 0)))) }
	f.mirror.SetChecked(m.mirror)
	f.sounds.SetChecked(m.sounds)
	return f
}

func (f *devicesForm) items() []*widget.FormItem {
	return []*widget.FormItem{
		widget.NewFormItem("Camera", f.camera),
		widget.NewFormItem("Microphone", f.microphone),
		widget.NewFormItem("Speaker", f.speaker),
		widget.NewFormItem("Video quality", f.quality),
		widget.NewFormItem("Audio", f.audio),
		widget.NewFormItem("Clean-up", f.cleanup.row()),
		widget.NewFormItem("", f.mirror),
		widget.NewFormItem("", f.sounds),
	}
}

// chosen is the model with the dialog's choices applied.
func (f *devicesForm) chosen(m deviceModel) deviceModel {
	m.camera = pickID(m.cameras, f.camera)
	m.microphone = pickID(m.microphones, f.microphone)
	m.speaker = pickID(m.speakers, f.speaker)
	m.quality = qualityValues[max(f.quality.SelectedIndex(), 0)]
	m.audio = app.AudioProfile(max(f.audio.SelectedIndex(), 0))
	m.processing = f.cleanup.value()
	m.mirror = f.mirror.Checked
	m.sounds = f.sounds.Checked
	return m
}

// showDevices lets the person switch camera, microphone and speaker during
// the call, and set quality, audio profile and mirror; the choice sticks.
func (c *controller) showDevices() {
	s := c.pres
	if s == nil {
		return
	}
	c.devices.refresh()
	f := newDevicesForm(c.devices)
	d := dialog.NewForm("Devices", "Use these", "Cancel", f.items(), func(ok bool) {
		if ok && c.pres == s {
			c.applyDevices(s, f.chosen(*c.devices))
		}
	}, c.w)
	d.Resize(fyne.NewSize(560, 420))
	d.Show()
}

// applyDevices makes the model's new choices the call's.
func (c *controller) applyDevices(s *presenter, next deviceModel) {
	old := *c.devices
	*c.devices = next
	c.savePrefs()
	c.lobby.showDevices()
	if next.camera != old.camera {
		s.call.UseDevice(app.SourceCamera, next.camera)
		s.using[app.SourceCamera] = next.camera
	}
	if next.microphone != old.microphone {
		s.call.UseDevice(app.SourceMicrophone, next.microphone)
		s.using[app.SourceMicrophone] = next.microphone
	}
	if next.quality != old.quality {
		s.call.SetVideoQuality(next.quality)
	}
	if next.audio != old.audio {
		s.call.SetAudioProfile(next.audio)
	}
	if next.processing != old.processing {
		s.call.SetAudioProcessing(next.processing)
	}
	if next.speaker != s.speaker {
		s.speaker = next.speaker
		s.goTracked(func() { s.setSpeaker(next.speaker) })
	}
	if c.view != nil {
		c.view.self.SetMirror(next.mirror)
	}
}

// deviceFailed remembers a device unplugged mid-call, to offer it back
// when it returns (the source itself is shown off by LocalSourceChanged).
func (c *controller) deviceFailed(s *presenter, e app.DeviceError) {
	if e.Source == app.SourceScreen || !errors.Is(e.Err, app.ErrDeviceLost) {
		return
	}
	if s.lost == nil {
		s.lost = map[app.Source]string{}
	}
	s.lost[e.Source] = s.using[e.Source]
	s.view.resume.Hide()
}
