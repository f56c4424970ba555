package ui

import (
	"slices"

	"fyne.io/fyne/v2"

	"confer/app"
	"confer/media"
	"confer/media/audio"
	"confer/media/capture"
)

// device is one entry of a picker.
type device struct{ ID, Name string }

// deviceModel is what is plugged in and what the person chose, apart from
// any widget: the lobby's pickers and the Devices dialog both show it, and
// only it is saved. UI goroutine only.
type deviceModel struct {
	cameras, microphones, speakers []device
	camera, microphone, speaker    string // chosen IDs; "" when none is connected

	cameraOn, microphoneOn bool // join with them on
	quality                app.VideoQuality
	audio                  app.AudioProfile
	processing             media.AudioProcessing
	mirror                 bool
	// sounds: play a sound when someone joins, leaves or raises a hand.
	sounds bool
}

// Preference keys.
const (
	prefCamera, prefMicrophone, prefSpeaker = "camera", "microphone", "speaker"
	prefCameraOn, prefMicOn                 = "camera-on", "mic-on"
	prefQuality, prefAudio, prefMirror      = "video-quality", "audio-profile", "mirror"
	prefEcho, prefNoise, prefGain           = "echo-cancellation", "noise-suppression", "auto-gain"
	prefSounds                              = "sounds"
)

// load reads the saved choices and lists what is connected.
func (m *deviceModel) load(p fyne.Preferences) {
	m.camera, m.microphone, m.speaker = p.String(prefCamera), p.String(prefMicrophone), p.String(prefSpeaker)
	m.cameraOn = p.BoolWithFallback(prefCameraOn, true)
	m.microphoneOn = p.BoolWithFallback(prefMicOn, true)
	m.quality, _ = app.ParseVideoQuality(p.StringWithFallback(prefQuality, app.VideoStandard.String()))
	m.audio = app.AudioSpeech
	if p.String(prefAudio) == app.AudioMusic.String() {
		m.audio = app.AudioMusic
	}
	m.mirror = p.BoolWithFallback(prefMirror, true)
	m.sounds = p.BoolWithFallback(prefSounds, true)
	def := processingFor(m.audio)
	m.processing = media.AudioProcessing{
		EchoCancellation: p.BoolWithFallback(prefEcho, def.EchoCancellation),
		NoiseSuppression: p.BoolWithFallback(prefNoise, def.NoiseSuppression),
		AutoGain:         p.BoolWithFallback(prefGain, def.AutoGain),
	}
	m.refresh()
}

// processingFor is what an audio profile starts with: all of it for
// speech, none for music, which wants the raw signal.
func processingFor(p app.AudioProfile) media.AudioProcessing {
	if p == app.AudioMusic {
		return media.AudioProcessing{}
	}
	return media.SpeechProcessing
}

func (m *deviceModel) save(p fyne.Preferences) {
	p.SetString(prefCamera, m.camera)
	p.SetString(prefMicrophone, m.microphone)
	p.SetString(prefSpeaker, m.speaker)
	p.SetBool(prefCameraOn, m.cameraOn)
	p.SetBool(prefMicOn, m.microphoneOn)
	p.SetString(prefQuality, m.quality.String())
	p.SetString(prefAudio, m.audio.String())
	p.SetBool(prefMirror, m.mirror)
	p.SetBool(prefSounds, m.sounds)
	p.SetBool(prefEcho, m.processing.EchoCancellation)
	p.SetBool(prefNoise, m.processing.NoiseSuppression)
	p.SetBool(prefGain, m.processing.AutoGain)
}

// refresh lists the devices connected now. A chosen device that is still
// there stays chosen; otherwise the preferred one (listed first) is.
func (m *deviceModel) refresh() {
	m.cameras = fromCapture(capture.Cameras())
	m.microphones = fromCapture(capture.Microphones())
	m.speakers = m.speakers[:0]
	for _, s := range audio.Speakers() {
		m.speakers = append(m.speakers, device{s.ID, s.Name})
	}
	m.camera = keepOrFirst(m.cameras, m.camera)
	m.microphone = keepOrFirst(m.microphones, m.microphone)
	m.speaker = keepOrFirst(m.speakers, m.speaker)
}

func fromCapture(ds []capture.Device) []device {
	out := make([]device, len(ds))
	for i, d := range ds {
		out[i] = device{d.ID, d.Name}
	}
	return out
}

func keepOrFirst(ds []device, id string) string {
	if has(ds, id) {
		return id
	}
	if len(ds) > 0 {
		return ds[0].ID
	}
	return ""
}

func has(ds []device, id string) bool {
	return id != "" && slices.ContainsFunc(ds, func(d device) bool { return d.ID == id })
}

// fingerprint names every device connected now, to notice changes.
func (m *deviceModel) fingerprint() string {
	var s string
	for _, list := range [][]device{m.cameras, m.microphones, m.speakers} {
		for _, d := range list {
			s += d.ID + "\n"
		}
	}
	return s
}

// names and index help pickers show a list.
func names(ds []device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

func index(ds []device, id string) int {
	return slices.IndexFunc(ds, func(d device) bool { return d.ID == id })
}
