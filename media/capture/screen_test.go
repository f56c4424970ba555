package capture

import (
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"confer/media"
	"confer/media/synth"
)

// firstFrame opens a screen for the test and reads one frame; the frame
// stays valid until the screen's next Read or Close (at the test's end).
func firstFrame(t *testing.T, id string, req ScreenRequest) *media.VideoFrame {
	t.Helper()
	s, err := OpenScreen(id, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f, release, err := s.Read()
	if err != nil {
		t.Fatal(err)
	}
	release()
	return f
}

func TestFakeScreenIsListedAndReadsAtFullSize(t *testing.T) {
	RegisterFakeDevices()
	if !slices.ContainsFunc(Screens(), func(d Device) bool { return d.ID == FakeScreenID }) {
		t.Fatalf("screens %v do not list %s", Screens(), FakeScreenID)
	}
	f := firstFrame(t, AddFakeScreen("full"), ScreenRequest{MaxWidth: 1920, MaxHeight: 1080, FPS: 15})
	if f.Width != FakeScreenWidth || f.Height != FakeScreenHeight {
		t.Errorf("frame is %dx%d; want %dx%d", f.Width, f.Height, FakeScreenWidth, FakeScreenHeight)
	}
	if ts, ok := synth.ReadTime(f); !ok || time.Since(ts) > time.Second {
		t.Errorf("time strip reads %v, %v", ts, ok)
	}
}

func TestLargerScreenIsScaledToFitKeepingItsShape(t *testing.T) {
	f := firstFrame(t, AddFakeScreen("scaled"), ScreenRequest{MaxWidth: 1280, MaxHeight: 1280, FPS: 30})
	if f.Width != 1280 || f.Height != 720 {
		t.Errorf("frame is %dx%d; want 1280x720", f.Width, f.Height)
	}
	if _, ok := synth.ReadTime(f); !ok {
		t.Error("the time strip does not survive scaling")
	}
}

func TestScreenCloseEndsAWaitingReadAndReleasesTheDevice(t *testing.T) {
	id := AddFakeScreen("closing")
	s, err := OpenScreen(id, ScreenRequest{FPS: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, _, err := s.Read(); done <- err }()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, io.EOF) {
			t.Errorf("read after close: %v; want EOF", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not end a waiting Read")
	}
	if slices.Contains(OpenDevices(), id) {
		t.Error("the screen is still open after Close")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestNoScreenIsAClearError(t *testing.T) {
	if _, err := OpenScreen("no-such-screen", ScreenRequest{}); !errors.Is(err, ErrDeviceNotFound) {
		t.Errorf("err = %v; want ErrDeviceNotFound", err)
	}
}

func TestUnplugAndPlugChangeTheListsAndFailACapture(t *testing.T) {
	pair := AddFakePair("plug")
	listed := func() bool {
		return slices.ContainsFunc(Cameras(), func(d Device) bool { return d.ID == pair.CameraID })
	}
	cam, err := OpenCamera(pair.CameraID, VideoRequest{Width: 64, Height: 48, FPS: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	if !Unplug(pair.CameraID) || listed() {
		t.Fatal("an unplugged camera is still listed")
	}
	var readErr error
	for i := 0; i < 3 && readErr == nil; i++ {
		_, release, err := cam.Read()
		if err == nil {
			release()
		}
		readErr = err
	}
	if !errors.Is(readErr, ErrDeviceGone) {
		t.Errorf("capture from an unplugged camera: %v; want ErrDeviceGone", readErr)
	}
	if !Plug(pair.CameraID) || !listed() {
		t.Fatal("a camera plugged back is not listed")
	}
	if Plug(pair.CameraID) {
		t.Error("plugging a camera that is in reported success")
	}
}
