package livekit_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
)

// sizeAfter waits until r has decoded min frames and returns the size of the
// latest.
func (r *received) sizeAfter(t *testing.T, what string, min int) (int, int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r.mu.Lock()
		n, w, h := r.frames, r.width, r.height
		r.mu.Unlock()
		if n >= min {
			return w, h
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d frames decoded, want %d", what, n, min)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isVideo(user string, src app.Source, available bool) func(app.Event) bool {
	return func(ev app.Event) bool {
		e, ok := ev.(app.RemoteVideo)
		return ok && e.UserID == user && e.Source == src && e.Available == available
	}
}

func TestScreenShareArrivesAsItsOwnSourceAndGoesAway(t *testing.T) {
	srv := testenv.StartServer(t)
	pair, screenID := capture.AddFakePair("sharer"), capture.AddFakeScreen("sharer")
	// The uplink is held at 2.5 Mbit/s or more, as the bench holds senders
	// that share a machine with their receivers: under -race on two loaded
	// cores the sender's own slowness looked like a queue to its congestion
	// control, which left the 1080p screen so little that 3 frames got
	// through in 15 s (CI). This test is about sources, not the uplink.
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID, ScreenID: screenID,
		Video:       media.VideoProfile{Width: 320, Height: 240, FPS: 15, BitrateKbps: 300},
		UplinkFloor: 2_500_000,
	})
	cam, screen := &received{}, &received{}
	bo := startParticipant("bo", app.TransportConfig{
		VideoSink: func(_ string, s app.Source) media.FrameSink {
			if s == app.SourceScreen {
				return screen
			}
			return cam
		},
	})
	ctx := context.Background()
	if err := ana.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "share", UserID: "ana", Name: "Ana", Camera: true}); err != nil {
		t.Fatal(err)
	}
	if err := bo.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "share", UserID: "bo", Name: "Bo"}); err != nil {
		t.Fatal(err)
	}
	bo.waitEvent(t, "Ana's camera", isVideo("ana", app.SourceCamera, true))
	if err := ana.settle(t, app.SourceScreen, true, func() { ana.call.ShareScreen("") }); err != nil {
		t.Fatalf("share: %v", err)
	}
	bo.waitEvent(t, "Ana's screen", isVideo("ana", app.SourceScreen, true))
	if w, h := screen.sizeAfter(t, "screen", 10); w != capture.FakeScreenWidth || h != capture.FakeScreenHeight {
		t.Errorf("screen decoded at %dx%d; want %dx%d", w, h, capture.FakeScreenWidth, capture.FakeScreenHeight)
	}
	// The camera goes on beside the screen, as its own picture. Which of
	// its layers arrives is the server's allocator's business, not this
	// test's (CI saw the 160-pixel one for 15 s, before the floor above).
	n, _ := cam.snapshot()
	if w, h := cam.sizeAfter(t, "camera beside the screen", n+15); !(w == 320 && h == 240 || w == 160 && h == 120) {
		t.Errorf("camera beside the screen decoded at %dx%d; want one of its layers, 320x240 or 160x120", w, h)
	}
	screen.mu.Lock()
	t.Logf("screen: %d frames, %d unreadable strips, max latency %v", screen.frames, screen.badStrips, screen.maxLatency)
	screen.mu.Unlock()

	if err := ana.settle(t, app.SourceScreen, false, ana.call.StopScreenShare); err != nil {
		t.Fatalf("stop: %v", err)
	}
	bo.waitEvent(t, "the screen gone", isVideo("ana", app.SourceScreen, false))
	if slices.Contains(capture.OpenDevices(), screenID) {
		t.Error("the screen is still captured after stopping")
	}
	n, _ = cam.snapshot()
	cam.sizeAfter(t, "camera after the share", n+15) // the camera goes on
	ana.call.Close()
	bo.call.Close()
	<-ana.done
	<-bo.done
	testenv.CheckNoGoroutines(t, ana.owner, 5*time.Second)
}

func TestQualityChangesThePublishedSizeAndBitrate(t *testing.T) {
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("quality")
	// The uplink is held at 2.5 Mbit/s or more, as in the screen-share test
	// above: on two loaded cores the sender's own slowness can look like a
	// queue to its congestion control. This test is about the quality's
	// size and bitrate, not the uplink.
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID, Video: app.VideoLow.Profile(),
		UplinkFloor: 2_500_000,
	})
	got := &received{}
	bo := startParticipant("bo", app.TransportConfig{VideoSink: func(string, app.Source) media.FrameSink { return got }})
	defer ana.call.Close()
	defer bo.call.Close()
	ctx := context.Background()
	if err := ana.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "q", UserID: "ana", Name: "Ana", Camera: true}); err != nil {
		t.Fatal(err)
	}
	if err := bo.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "q", UserID: "bo", Name: "Bo"}); err != nil {
		t.Fatal(err)
	}
	low := measure(t, got, "low", 640, 360)
	ana.call.SetVideoQuality(app.VideoStandard)
	std := measure(t, got, "standard", 1280, 720)
	// Compared per picture, not per second: the pictures a second depend
	// on the machine. With two cores shared among test packages, CI's
	// sender encoded 1280×720 at 12 fps, 249 kbit/s, against 247 kbit/s
	// at 640×360, 24 fps: each bigger picture twice the bits, as here on
	// an idle machine (21 against 11 kbit). A quality whose bitrate did
	// not follow would code its bigger pictures in about the same bits.
	if std.perFrame < 1.5*low.perFrame {
		t.Errorf("a standard picture arrives in %.1f kbit, a low one in %.1f: the bitrate did not follow", std.perFrame, low.perFrame)
	}
	if t.Failed() {
		t.Logf("the sender's last uplink estimate: %d kbit/s", lastUplinkEstimate(ana))
	}
	for {
		select {
		case ev := <-bo.events:
			if e, ok := ev.(app.RemoteVideo); ok && !e.Available {
				t.Errorf("the camera went away while changing quality: %+v", e)
			}
		default:
			return
		}
	}
}

// lastUplinkEstimate reads what p's events hold so far and returns the
// last uplink estimate among them (0 for none).
func lastUplinkEstimate(p *participant) int {
	kbps := 0
	for {
		select {
		case ev := <-p.events:
			if e, ok := ev.(app.UplinkChanged); ok {
				kbps = e.EstimateKbps
			}
		default:
			return kbps
		}
	}
}

type rate struct {
	w, h     int
	kbps     float64
	perFrame float64 // kbit a picture
}

// sizeWithin waits, up to limit, for pictures of the size wanted; it
// returns the last size decoded and whether it was that one.
func (r *received) sizeWithin(t *testing.T, what string, wantW, wantH int, limit time.Duration) (w, h int, ok bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		n, _ := r.snapshot()
		w, h = r.sizeAfter(t, what, n+5)
		if w == wantW && h == wantH {
			return w, h, true
		}
		if time.Now().After(deadline) {
			return w, h, false
		}
	}
}

// measureSeconds is how long a quality's bitrate is measured. A changed
// quality starts with a keyframe several times a frame's budget, and when
// the uplink estimate is low (a loaded machine, under -race) libvpx's
// rate control then skips frames for up to two seconds to pay it back:
// one CI run measured 0 kbit/s over a 2 s window right after the switch.
const measureSeconds = 5

// measure waits, up to 10 s, for pictures of the size the quality asks
// for (a changed quality takes a new keyframe, and the server moves the
// receiver to the new layer when its estimate allows), then measures the
// bitrate of the pictures of that size over measureSeconds, by their
// capture times: on a loaded machine the server may move the receiver
// to a smaller layer for a while (a CI run measured the 640×360 layer's
// 322 kbit/s as "standard" that way), which says nothing of what the
// sender publishes.
func measure(t *testing.T, r *received, what string, wantW, wantH int) rate {
	t.Helper()
	if w, h, ok := r.sizeWithin(t, what, wantW, wantH, 10*time.Second); !ok {
		t.Errorf("%s quality decoded at %dx%d; want %dx%d", what, w, h, wantW, wantH)
	}
	r.mu.Lock()
	r.sized = sizedRun{w: wantW, h: wantH}
	r.mu.Unlock()
	time.Sleep(measureSeconds * time.Second)
	r.mu.Lock()
	defer r.mu.Unlock()
	run := r.sized
	out := rate{w: wantW, h: wantH, kbps: run.kbps(), perFrame: run.kbitPerFrame()}
	t.Logf("%s: %dx%d at %.0f kbit/s, %.1f kbit a picture, over %d frames (%s of capture); last decoded %dx%d",
		what, wantW, wantH, out.kbps, out.perFrame, run.frames, run.last.Sub(run.first).Round(time.Millisecond), r.width, r.height)
	if span := run.last.Sub(run.first); span < measureSeconds*time.Second/2 {
		t.Errorf("%s: only %s of %dx%d pictures in %d s", what, span, wantW, wantH, measureSeconds)
	}
	return out
}

// A tile's size picks the simulcast layer it receives; a tile not shown
// (another page) receives nothing until it shows again.
func TestASmallTileGetsTheSmallSimulcastLayer(t *testing.T) {
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("simulcast")
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID, Video: app.VideoStandard.Profile(),
	})
	got := &received{}
	bo := startParticipant("bo", app.TransportConfig{VideoSink: func(string, app.Source) media.FrameSink { return got }})
	defer ana.call.Close()
	defer bo.call.Close()
	ctx := context.Background()
	if err := ana.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "sc", UserID: "ana", Name: "Ana", Camera: true}); err != nil {
		t.Fatal(err)
	}
	if err := bo.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "sc", UserID: "bo", Name: "Bo"}); err != nil {
		t.Fatal(err)
	}
	layerAfter := func(what string, wantW, wantH int) {
		t.Helper()
		if w, h, ok := got.sizeWithin(t, what, wantW, wantH, 10*time.Second); !ok {
			t.Fatalf("%s: decoding %dx%d, want %dx%d", what, w, h, wantW, wantH)
		}
	}
	layerAfter("the full layer by default", 1280, 720)
	bo.call.SetRemoteVideoSize("ana", app.SourceCamera, 320, 180)
	layerAfter("the small layer for a small tile", 320, 180)
	bo.call.SetRemoteVideoSize("ana", app.SourceCamera, 960, 540)
	layerAfter("the full layer again for a large tile", 1280, 720)

	// A tile on another page of a big meeting: nothing is forwarded.
	bo.call.SetRemoteVideoSize("ana", app.SourceCamera, 0, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		before, _ := got.snapshot()
		time.Sleep(time.Second) // the condition is a second without frames
		if after, _ := got.snapshot(); after == before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("frames still arrive for a video that is not shown")
		}
	}
	bo.call.SetRemoteVideoSize("ana", app.SourceCamera, 320, 180)
	layerAfter("back on the page, at its size", 320, 180)
}
