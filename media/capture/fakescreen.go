package capture

import (
	"image"
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
type fakeScreen struct{ fakeDevice }

func (s *fakeScreen) Properties() []prop.Media {
	return []prop.Media{{Video: prop.Video{Width: FakeScreenWidth, Height: FakeScreenHeight, FrameFormat: frame.FormatI420}}}
}

func (s *fakeScreen) VideoRecord(p prop.Media) (video.Reader, error) {
	fps := int(p.FrameRate)
	if fps <= 0 {
		fps = 10
	}
	next := s.clock(time.Second / time.Duration(fps))
	page := synth.NewPage(FakeScreenWidth, FakeScreenHeight)
	frames := [2]*media.VideoFrame{media.NewI420(FakeScreenWidth, FakeScreenHeight), media.NewI420(FakeScreenWidth, FakeScreenHeight)}
	n := 0
	return video.ReaderFunc(func() (image.Image, func(), error) {
		if err := next(); err != nil {
			return nil, nil, err
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
