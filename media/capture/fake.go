package capture

import (
	"image"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/audio"
	"github.com/pion/mediadevices/pkg/io/video"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/mediadevices/pkg/wave"

	"confer/media"
	"confer/media/synth"
)

// Labels of the synthetic devices. They register above real devices, so
// with --fake-devices they are the ones chosen by default.
const (
	FakeCameraID      = "confer-fake-camera"
	FakeMicrophoneID  = "confer-fake-microphone"
	SilentMicrophone  = "confer-silent-microphone"
	fakePriority      = driver.Priority(1)
	defaultFakeWidth  = 640
	defaultFakeHeight = 480
	defaultFakeFPS    = 30
)

// FakeTone is the synthetic microphone's signal: 440 Hz with a click every
// second, at multiples of wall-clock seconds, so receivers can measure both
// pitch and delay.
var FakeTone = synth.Tone{Freq: 440, Amplitude: 0.3, ClickEvery: time.Second}

var registerOnce sync.Once

// RegisterFakeDevices adds a synthetic camera (moving pattern with a time
// strip), a tone microphone, a silent microphone and a synthetic screen
// (FakeScreenID) to the driver registry.
// Calling it again does nothing.
func RegisterFakeDevices() {
	registerOnce.Do(func() {
		addFake(driver.Info{Label: FakeCameraID, Name: "Test pattern camera", DeviceType: driver.Camera, Priority: fakePriority}, newFakeCamera)
		addFake(driver.Info{Label: FakeMicrophoneID, Name: "Test tone microphone", DeviceType: driver.Microphone, Priority: fakePriority}, fakeMicWith(FakeTone))
		addFake(driver.Info{Label: SilentMicrophone, Name: "Silent test microphone", DeviceType: driver.Microphone, Priority: driver.PriorityLow}, fakeMicWith(synth.Tone{}))
		addFake(driver.Info{Label: FakeScreenID, Name: "Test screen", DeviceType: driver.Screen, Priority: fakePriority}, newFakeScreen)
	})
}

// FakePair names a synthetic camera and microphone added by AddFakePair.
type FakePair struct {
	CameraID, MicrophoneID string
}

// AddFakePair registers one more synthetic camera and tone microphone, with
// IDs ending in name. Like real hardware, a device is opened by one user at a
// time, so each participant in one process needs its own pair.
func AddFakePair(name string) FakePair { return AddFakePairWithTone(name, FakeTone) }

// AddFakePairWithTone is AddFakePair with a microphone of another signal; a
// zero Tone is a silent microphone.
func AddFakePairWithTone(name string, tone synth.Tone) FakePair {
	p := FakePair{CameraID: FakeCameraID + "-" + name, MicrophoneID: FakeMicrophoneID + "-" + name}
	addFake(driver.Info{Label: p.CameraID, Name: "Test pattern camera " + name, DeviceType: driver.Camera}, newFakeCamera)
	addFake(driver.Info{Label: p.MicrophoneID, Name: "Test microphone " + name, DeviceType: driver.Microphone}, fakeMicWith(tone))
	return p
}

// AddFakeMicrophone registers a synthetic microphone that hears signal,
// with an ID ending in name, and returns the ID.
func AddFakeMicrophone(name string, signal synth.Signal) string {
	id := FakeMicrophoneID + "-" + name
	addFake(driver.Info{Label: id, Name: "Test microphone " + name, DeviceType: driver.Microphone}, fakeMicWith(signal))
	return id
}

// AddPreferredFakeMicrophone registers a synthetic microphone that hears
// signal and is listed (so chosen) before the other synthetic ones.
func AddPreferredFakeMicrophone(name, label string, signal synth.Signal) string {
	id := FakeMicrophoneID + "-" + name
	addFake(driver.Info{Label: id, Name: label, DeviceType: driver.Microphone, Priority: fakePriority + 1}, fakeMicWith(signal))
	return id
}

// fakeCamera draws synth.Pattern frames stamped with their capture time, paced
// by a ticker like a real camera's frame clock.
type fakeCamera struct{ fakeDevice }

// Properties is empty: the synthetic camera draws whatever size is asked.
func (c *fakeCamera) Properties() []prop.Media { return nil }

func (c *fakeCamera) VideoRecord(p prop.Media) (video.Reader, error) {
	w, h, fps := p.Width, p.Height, int(p.FrameRate)
	if w <= 0 || h <= 0 {
		w, h = defaultFakeWidth, defaultFakeHeight
	}
	if fps <= 0 {
		fps = defaultFakeFPS
	}
	next := c.clock(time.Second / time.Duration(fps))
	pattern := synth.NewPattern(w, h)
	// A few frames in rotation: the reader may still hold the previous one.
	frames := [3]*media.VideoFrame{media.NewI420(w, h), media.NewI420(w, h), media.NewI420(w, h)}
	n := 0
	return video.ReaderFunc(func() (image.Image, func(), error) {
		if err := next(); err != nil {
			return nil, nil, err
		}
		f := frames[n%len(frames)]
		pattern.Draw(f, n)
		synth.StampTime(f, time.Now())
		n++
		return &image.YCbCr{
			Y: f.Y, Cb: f.U, Cr: f.V, YStride: f.YStride, CStride: f.UStride,
			SubsampleRatio: image.YCbCrSubsampleRatio420,
			Rect:           image.Rect(0, 0, w, h),
		}, func() {}, nil
	}), nil
}

// fakeMic plays a synth.Signal in 20 ms chunks, paced like a sound card.
type fakeMic struct {
	fakeDevice
	signal synth.Signal
}

func (m *fakeMic) Properties() []prop.Media {
	return []prop.Media{{Audio: prop.Audio{SampleRate: media.SampleRate, ChannelCount: 1, SampleSize: 2}}}
}

func (m *fakeMic) AudioRecord(prop.Media) (audio.Reader, error) {
	next := m.clock(media.FrameTime)
	signal := m.signal
	chunk := wave.NewInt16Interleaved(wave.ChunkInfo{Len: media.FrameSamples, Channels: 1, SamplingRate: media.SampleRate})
	// Nominal capture times keep the tone's phase continuous across chunks
	// even when the ticker fires a little late.
	start := time.Now()
	n := 0
	return audio.ReaderFunc(func() (wave.Audio, func(), error) {
		if err := next(); err != nil {
			return nil, nil, err
		}
		signal.Fill(chunk.Data, start.Add(time.Duration(n)*media.FrameTime))
		n++
		return chunk, func() {}, nil
	}), nil
}
