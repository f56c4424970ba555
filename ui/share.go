package ui

import (
	"errors"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/media/capture"
)

// toggleShare starts or stops sharing a screen. With several screens the
// person picks one; with none, the banner says so.
func (c *controller) toggleShare() {
	s, v := c.sess, c.view
	if s == nil || v == nil {
		return
	}
	if v.sharing {
		go func() {
			_ = s.call.StopScreenShare()
			c.b.do(func() { v.setSharing(false); c.dumpState() })
		}()
		return
	}
	screens := capture.Screens()
	switch len(screens) {
	case 0:
		v.showBanner("There is no screen to share.")
	case 1:
		c.startShare(screens[0].ID)
	default:
		ids, labels := names(screens)
		pick := widget.NewSelect(labels, nil)
		pick.SetSelectedIndex(0)
		dialog.ShowForm("Share a screen", "Share", "Cancel", []*widget.FormItem{widget.NewFormItem("Screen", pick)},
			func(ok bool) {
				if ok {
					c.startShare(ids[max(pick.SelectedIndex(), 0)])
				}
			}, c.w)
	}
}

func (c *controller) startShare(id string) {
	s, v := c.sess, c.view
	go func() {
		if s.call.ShareScreen(id) != nil {
			return // the engine reports why as a DeviceError
		}
		c.b.do(func() { v.setSharing(true); c.dumpState() })
	}()
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
