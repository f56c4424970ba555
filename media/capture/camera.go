package capture

import (
	"fmt"
	"image"
	"math"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"confer/media"
)

// VideoRequest is what the caller would like; the device gives what it can.
type VideoRequest struct {
	Width, Height int
	FPS           int
}

// Camera reads I420 frames from one opened video device.
type Camera struct {
	d     driver.Driver
	r     video.Reader
	frame media.VideoFrame
	once  sync.Once
}

// OpenCamera opens a camera by ID ("" for the preferred one).
func OpenCamera(id string, req VideoRequest) (*Camera, error) {
	d, err := find(driver.Camera, id, ErrNoCamera)
	if err != nil {
		return nil, err
	}
	return openVideo(d, req)
}

func openVideo(d driver.Driver, req VideoRequest) (*Camera, error) {
	if err := openDriver(d); err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", d.Info().Label, err)
	}
	rec, ok := d.(driver.VideoRecorder)
	if !ok {
		_ = closeDriver(d)
		return nil, ErrUnsupported
	}
	p, err := choose(d.Properties(), req)
	if err != nil {
		_ = closeDriver(d)
		return nil, err
	}
	r, err := rec.VideoRecord(p)
	if err != nil {
		_ = closeDriver(d)
		return nil, fmt.Errorf("cannot start %s: %w", d.Info().Label, err)
	}
	return &Camera{d: d, r: video.ToI420(r)}, nil
}

// choose picks the device mode closest to the request. Devices that list no
// modes (synthetic ones) get the request as it is.
func choose(props []prop.Media, req VideoRequest) (prop.Media, error) {
	want := prop.Media{Video: prop.Video{Width: req.Width, Height: req.Height, FrameRate: float32(req.FPS)}}
	if len(props) == 0 {
		return want, nil
	}
	best, bestScore := prop.Media{}, math.Inf(1)
	for _, p := range props {
		score := math.Abs(float64(p.Width-req.Width)) + math.Abs(float64(p.Height-req.Height))
		if p.FrameRate > 0 && p.FrameRate < float32(req.FPS) {
			score += 1000 // a slower mode only when nothing else fits
		}
		if score < bestScore {
			best, bestScore = p, score
		}
	}
	if bestScore == math.Inf(1) {
		return prop.Media{}, ErrUnsupported
	}
	return best, nil
}

// Read blocks until the next frame and returns it with a release function
// that must be called once the frame has been used. The frame's Timestamp is
// its capture time.
func (c *Camera) Read() (*media.VideoFrame, func(), error) {
	img, release, err := c.r.Read()
	if err != nil {
		return nil, nil, err
	}
	yuv, ok := img.(*image.YCbCr)
	if !ok || yuv.SubsampleRatio != image.YCbCrSubsampleRatio420 {
		release()
		return nil, nil, ErrUnsupported
	}
	b := yuv.Rect
	c.frame = media.VideoFrame{
		Width: b.Dx(), Height: b.Dy(),
		Y: yuv.Y, U: yuv.Cb, V: yuv.Cr,
		YStride: yuv.YStride, UStride: yuv.CStride, VStride: yuv.CStride,
		Timestamp: time.Now(),
	}
	return &c.frame, release, nil
}

// Name is the device's name, for messages.
func (c *Camera) Name() string { return c.d.Info().Label }

// Close stops the device; a blocked Read returns an error.
func (c *Camera) Close() error {
	var err error
	c.once.Do(func() { err = closeDriver(c.d) })
	return err
}
