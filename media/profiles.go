package media

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
