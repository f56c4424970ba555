package app

import "confer/media"

// VideoQuality is how the camera is captured and encoded, changeable
// during a call (the seeds' video encoder config). Each quality caps size,
// frame rate and bitrate; a camera that cannot give the size gives its
// nearest mode.
type VideoQuality int

const (
	VideoStandard VideoQuality = iota // 1280×720, 30 fps
	VideoLow                          // 640×360, 24 fps: slow links, weak machines
	VideoHigh                         // 1920×1080, 30 fps, where the camera gives it
)

func (q VideoQuality) String() string {
	switch q {
	case VideoLow:
		return "low"
	case VideoHigh:
		return "high"
	}
	return "standard"
}

// Profile is the camera profile of a quality. The bitrates are what VP8
// needs for a clean picture of a person at that size and rate.
func (q VideoQuality) Profile() media.VideoProfile {
	switch q {
	case VideoLow:
		return media.VideoProfile{Width: 640, Height: 360, FPS: 24, BitrateKbps: 500}
	case VideoHigh:
		return media.VideoProfile{Width: 1920, Height: 1080, FPS: 30, BitrateKbps: 3000}
	}
	return media.VideoProfile{Width: 1280, Height: 720, FPS: 30, BitrateKbps: 1500}
}

// ParseVideoQuality reads "low", "standard" or "high".
func ParseVideoQuality(s string) (VideoQuality, bool) {
	for _, q := range []VideoQuality{VideoLow, VideoStandard, VideoHigh} {
		if q.String() == s {
			return q, true
		}
	}
	return VideoStandard, false
}

// AudioProfile is how the microphone is coded (the seeds' audio profile).
type AudioProfile int

const (
	// AudioSpeech: Opus tuned for voice at 32 kbit/s.
	AudioSpeech AudioProfile = iota
	// AudioMusic: Opus coding for fidelity at 96 kbit/s, for instruments
	// and music played into the call.
	AudioMusic
)

func (p AudioProfile) String() string {
	if p == AudioMusic {
		return "music"
	}
	return "speech"
}
