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

// smallLayerWidth is about how wide the small simulcast layer is: enough
// for a tile in a strip or a crowded grid.
const smallLayerWidth = 320

// CameraLayers are the encodings a camera with profile p sends: the full
// size and a layer about 320 pixels wide. The small layer gets a bitrate in
// proportion to its pixels, with a floor that keeps a face recognisable.
func CameraLayers(p media.VideoProfile) []Layer {
	full := Layer{Width: p.Width, Height: p.Height, BitrateKbps: p.BitrateKbps, scale: 1}
	sc := max(2, p.Width/smallLayerWidth)
	w, h := video.ScaledSize(p.Width, p.Height, sc)
	small := Layer{Width: w, Height: h, BitrateKbps: max(120, p.BitrateKbps/(sc*sc)*2), scale: sc}
	return []Layer{full, small}
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
