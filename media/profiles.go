package media

import "time"

// VideoProfile is what a camera is asked for and how it is encoded.
type VideoProfile struct {
	Width, Height int
	FPS           int
	BitrateKbps   int
}

// ScreenProfile bounds a shared screen. Text must stay sharp, so it keeps
// resolution and gives up frame rate.
type ScreenProfile struct {
	MaxWidth, MaxHeight int
	FPS                 int
	BitrateKbps         int
}

// DefaultVideo is 640×480 at 30 fps, a good default for a small call.
var DefaultVideo = VideoProfile{Width: 640, Height: 480, FPS: 30, BitrateKbps: 800}

// DefaultScreen shares up to 1920×1080 at 15 fps.
var DefaultScreen = ScreenProfile{MaxWidth: 1920, MaxHeight: 1080, FPS: 15, BitrateKbps: 2500}

// AudioProcessing says what cleans up the microphone before it is sent.
type AudioProcessing struct {
	EchoCancellation bool // removes what the speaker plays from the microphone
	NoiseSuppression bool // removes steady noise: fans, hum, traffic
	AutoGain         bool // brings speech to a steady level
}

// SpeechProcessing is all of it: what a call from a laptop needs, and the
// default of the speech profile. Music wants the raw signal (none of it).
var SpeechProcessing = AudioProcessing{EchoCancellation: true, NoiseSuppression: true, AutoGain: true}

// Any tells whether anything is on.
func (p AudioProcessing) Any() bool { return p.EchoCancellation || p.NoiseSuppression || p.AutoGain }

// RoomEcho simulates a room: what the speaker plays reaches the microphone
// Delay later at Gain (linear), as a laptop's speakers reach its
// microphone. The bot uses it to measure echo cancellation.
type RoomEcho struct {
	Delay time.Duration
	Gain  float64
}
