package capture

import (
	"image"
	"io"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/frame"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"

	"confer/media"
	"confer/media/synth"
)

// FakeScreenID is the synthetic screen: a 1920×1080 page of text-like
// glyphs with the time strip on top.
const FakeScreenID = "confer-fake-screen"

// Size of the synthetic screen.
const (
	FakeScreenWidth  = 1920
	FakeScreenHeight = 1080
)

// AddFakeScreen registers one more synthetic screen, with an ID ending in
// name, for a participant of its own in the same process.
func AddFakeScreen(name string) string {
	id := FakeScreenID + "-" + name
	addFake(driver.Info{Label: id, Name: "Test screen " + name, DeviceType: driver.Screen}, newFakeScreen)
	return id
}

// fakeScreen is a screen driver like X11's: a fixed size it reports in its
// properties, frames at the rate asked.
type fakeScreen struct {
	plug *plug
	mu   sync.Mutex
	stop chan struct{} // closed by Close; guarded by mu
}

func (s *fakeScreen) Open() error {
	s.mu.Lock()
	s.stop = make(chan struct{})
	s.mu.Unlock()
	return nil
}

func (s *fakeScreen) Close() error {
	s.mu.Lock()
	if s.stop != nil {
		close(s.stop)
		s.stop = nil
	}
	s.mu.Unlock()
	return nil
}

func (s *fakeScreen) Properties() []prop.Media {
	return []prop.Media{{Video: prop.Video{Width: FakeScreenWidth, Height: FakeScreenHeight, FrameFormat: frame.FormatI420}}}
}

func (s *fakeScreen) VideoRecord(p prop.Media) (video.Reader, error) {
	fps := int(p.FrameRate)
	if fps <= 0 {
		fps = 10
	}
	s.mu.Lock()
	stop := s.stop
	s.mu.Unlock()
	page := synth.NewPage(FakeScreenWidth, FakeScreenHeight)
	frames := [2]*media.VideoFrame{media.NewI420(FakeScreenWidth, FakeScreenHeight), media.NewI420(FakeScreenWidth, FakeScreenHeight)}
	tick := time.NewTicker(time.Second / time.Duration(fps))
	n := 0
	return video.ReaderFunc(func() (image.Image, func(), error) {
		select {
		case <-stop:
			tick.Stop()
			return nil, nil, io.EOF
		case <-tick.C:
		}
		if s.plug.pulled() {
			return nil, nil, ErrDeviceGone
		}
		f := frames[n%len(frames)]
		page.Draw(f, n)
		synth.StampTime(f, time.Now())
		n++
		return &image.YCbCr{
			Y: f.Y, Cb: f.U, Cr: f.V, YStride: f.YStride, CStride: f.UStride,
			SubsampleRatio: image.YCbCrSubsampleRatio420,
			Rect:           image.Rect(0, 0, f.Width, f.Height),
		}, func() {}, nil
	}), nil
}
