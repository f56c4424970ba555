package pipeline

import (
	"errors"
	"log/slog"

	"confer/media"
	"confer/media/capture"
	"confer/media/video"
)

// Layer is one encoding of a camera: its size and bitrate. The first layer
// is the full size; the others are simulcast layers beside it.
type Layer struct {
	Width, Height int
	BitrateKbps   int
	scale         int
}

// Simulcast layers. A camera sends its full size and smaller copies, each
// half the one before, while the copy stays at least minLayerWidth wide:
// 1280×720 sends 640×360 and 320×180 beside it, as browsers do; 640×480
// sends 320×240. A receiver tells the server how large it shows the video
// and gets the layer that fits, so a strip or a crowded grid does not cost
// full-size decodes.
const (
	minLayerWidth = 300
	maxLayers     = 3
	// layerBits is each smaller layer's share of the full layer's bitrate
	// per pixel: small pictures need more bits per pixel to look as good.
	layerBits    = 1.6
	minLayerKbps = 120
)

// CameraLayers are the encodings a camera with profile p sends, full size
// first.
func CameraLayers(p media.VideoProfile) []Layer {
	out := []Layer{{Width: p.Width, Height: p.Height, BitrateKbps: p.BitrateKbps, scale: 1}}
	for sc := 2; len(out) < maxLayers && p.Width/sc >= minLayerWidth; sc *= 2 {
		w, h := video.ScaledSize(p.Width, p.Height, sc)
		kbps := max(minLayerKbps, int(float64(p.BitrateKbps)*layerBits)/(sc*sc))
		out = append(out, Layer{Width: w, Height: h, BitrateKbps: kbps, scale: sc})
	}
	return out
}

// VideoSender is a running camera or screen pipeline.
type VideoSender interface {
	// RequestLayerKeyframe makes the next frame of one layer a keyframe
	// (a receiver asked by PLI or FIR); 0 is the full size.
	RequestLayerKeyframe(layer int)
	// SetTargetBitrate sets what the pipeline may send in all (kbit/s):
	// the congestion controller's share for it. A camera gives up
	// resolution, then its full-size layer; a screen gives up frame rate.
	SetTargetBitrate(kbps int)
	// Stop releases the device and waits for the pipeline to end.
	Stop()
	// Done is closed when the pipeline ended, by Stop or by itself (device
	// unplugged, display gone).
	Done() <-chan struct{}
}

// CameraConfig says which camera and how to send it.
type CameraConfig struct {
	DeviceID string // "" for the preferred camera
	Profile  media.VideoProfile
	// Preview, when set, sees every captured frame (self-view).
	Preview media.FrameSink
	Log     *slog.Logger
}

// StartCamera opens a camera and encodes it into outs, one writer per
// layer of CameraLayers(cfg.Profile), full size first; fewer writers send
// fewer layers.
func StartCamera(cfg CameraConfig, outs []media.SampleWriter) (VideoSender, error) {
	if len(outs) == 0 {
		return nil, errors.New("pipeline: no writer for the camera")
	}
	p := cfg.Profile
	cam, err := capture.OpenCamera(cfg.DeviceID, capture.VideoRequest{Width: p.Width, Height: p.Height, FPS: p.FPS})
	if err != nil {
		return nil, err
	}
	layers := CameraLayers(p)
	sc := video.SenderConfig{BitrateKbps: p.BitrateKbps, FPS: p.FPS, Preview: cfg.Preview, Log: cfg.Log}
	for i, out := range outs[1:] {
		l := layers[min(i+1, len(layers)-1)]
		sc.Layers = append(sc.Layers, video.Layer{Scale: l.scale, BitrateKbps: l.BitrateKbps, Out: out})
	}
	return video.StartSender(cam, outs[0], sc), nil
}

// ScreenConfig says which screen and how to send it.
type ScreenConfig struct {
	ScreenID string // "" for the first screen
	Profile  media.ScreenProfile
	Log      *slog.Logger
}

// StartScreen opens a screen and encodes it for screen content: sharp text,
// the frame rate is what gives.
func StartScreen(cfg ScreenConfig, out media.SampleWriter) (VideoSender, error) {
	p := cfg.Profile
	scr, err := capture.OpenScreen(cfg.ScreenID, capture.ScreenRequest{MaxWidth: p.MaxWidth, MaxHeight: p.MaxHeight, FPS: p.FPS})
	if err != nil {
		return nil, err
	}
	sc := video.SenderConfig{BitrateKbps: p.BitrateKbps, FPS: p.FPS, Screen: true, Log: cfg.Log}
	return video.StartSender(scr, out, sc), nil
}
