package capture

import (
	"fmt"
	"image"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"confer/media"
	"confer/media/codec"
)

// ErrNoScreen means there is no screen to share (no display, or none found).
var ErrNoScreen = media.ErrNoScreen

// Screens lists the screens that can be shared, the preferred one first.
// Screens without a name of their own are called "Screen 1", "Screen 2"….
func Screens() []Device {
	ds := list(driver.Screen)
	for i := range ds {
		if ds[i].Name == ds[i].ID && strings.HasPrefix(ds[i].ID, "X11Screen") {
			ds[i].Name = fmt.Sprintf("Screen %d", i+1)
		}
	}
	return ds
}

// ScreenRequest bounds a shared screen: a larger one is scaled down to fit,
// keeping its shape. Screen content favours resolution over frame rate.
type ScreenRequest struct {
	MaxWidth, MaxHeight int
	FPS                 int
}

// driverFPS is the rate asked of the screen driver. Screen reads its
// frames at the requested rate with its own ticker, which Close can
// interrupt; the driver's ticker then always has a tick waiting.
const driverFPS = 120

// Screen reads I420 frames from a shared screen at a steady rate.
type Screen struct {
	d    driver.Driver
	r    video.Reader
	tick *time.Ticker
	stop chan struct{}
	maxW int
	maxH int

	// mu keeps a driver read and Close apart: the X11 driver frees its
	// shared-memory image on Close, under a read that may be running.
	mu     sync.Mutex
	closed bool
	conv   *media.VideoFrame // an RGBA capture converted, reused
	scaled *media.VideoFrame // a capture scaled to fit, reused
	view   media.VideoFrame
}

// OpenScreen opens a screen by ID ("" for the preferred one).
func OpenScreen(id string, req ScreenRequest) (*Screen, error) {
	if req.FPS <= 0 {
		req.FPS = 15
	}
	d, err := find(driver.Screen, id, ErrNoScreen)
	if err != nil {
		return nil, err
	}
	if err := openDriver(d); err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", d.Info().Label, err)
	}
	rec, ok := d.(driver.VideoRecorder)
	if !ok {
		_ = closeDriver(d)
		return nil, ErrUnsupported
	}
	p := prop.Media{Video: prop.Video{FrameRate: driverFPS}}
	if props := d.Properties(); len(props) > 0 {
		p = props[0]
		p.FrameRate = driverFPS
	}
	r, err := rec.VideoRecord(p)
	if err != nil {
		_ = closeDriver(d)
		return nil, fmt.Errorf("cannot start %s: %w", d.Info().Label, err)
	}
	return &Screen{
		d: d, r: r, stop: make(chan struct{}),
		tick: time.NewTicker(time.Second / time.Duration(req.FPS)),
		maxW: req.MaxWidth, maxH: req.MaxHeight,
	}, nil
}

// Read waits for the next frame time and captures. The frame is valid
// until the release function is called; its Timestamp is the capture time.
func (s *Screen) Read() (*media.VideoFrame, func(), error) {
	select {
	case <-s.stop:
		return nil, nil, io.EOF
	case <-s.tick.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, io.EOF
	}
	img, release, err := s.r.Read()
	if err != nil {
		return nil, nil, err
	}
	f, err := s.toI420(img)
	if err == nil {
		f, err = s.fit(f)
	}
	release()
	if err != nil {
		return nil, nil, err
	}
	f.Timestamp = time.Now()
	return f, func() {}, nil
}

// toI420 copies or converts a capture into Screen's own frame, so the
// driver's buffers are free again when Read returns.
func (s *Screen) toI420(img image.Image) (*media.VideoFrame, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if s.conv == nil || s.conv.Width != w || s.conv.Height != h {
		s.conv = media.NewI420(w, h)
	}
	switch src := img.(type) {
	case *image.RGBA:
		return s.conv, codec.RGBAToI420(src, s.conv)
	case *image.YCbCr:
		if src.SubsampleRatio != image.YCbCrSubsampleRatio420 {
			return nil, ErrUnsupported
		}
		s.view = media.VideoFrame{Width: w, Height: h, Y: src.Y, U: src.Cb, V: src.Cr,
			YStride: src.YStride, UStride: src.CStride, VStride: src.CStride}
		return s.conv, codec.ScaleI420(&s.view, s.conv) // same size: a copy
	}
	return nil, ErrUnsupported
}

// fit scales f down to the requested bounds when it is larger.
func (s *Screen) fit(f *media.VideoFrame) (*media.VideoFrame, error) {
	if s.maxW <= 0 || s.maxH <= 0 || (f.Width <= s.maxW && f.Height <= s.maxH) {
		return f, nil
	}
	w, h := codec.FitWithin(f.Width, f.Height, s.maxW, s.maxH)
	if s.scaled == nil || s.scaled.Width != w || s.scaled.Height != h {
		s.scaled = media.NewI420(w, h)
	}
	return s.scaled, codec.ScaleI420(f, s.scaled)
}

// Name is the screen's ID, for messages.
func (s *Screen) Name() string { return s.d.Info().Label }

// Close stops capturing; a waiting Read returns io.EOF.
func (s *Screen) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	close(s.stop)
	s.tick.Stop()
	return closeDriver(s.d)
}
