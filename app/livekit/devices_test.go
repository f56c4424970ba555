package livekit_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
)

func TestSwitchingCameraMidCallKeepsThePictureComing(t *testing.T) {
	srv := testenv.StartServer(t)
	first, second := capture.AddFakePair("switch-1"), capture.AddFakePair("switch-2")
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: first.CameraID, MicrophoneID: first.MicrophoneID,
		Video: media.VideoProfile{Width: 320, Height: 240, FPS: 30, BitrateKbps: 300},
	})
	bo := newParticipant("bo")
	ctx := context.Background()
	if err := ana.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "sw", UserID: "ana", Name: "Ana", Camera: true}); err != nil {
		t.Fatal(err)
	}
	if err := bo.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "sw", UserID: "bo", Name: "Bo"}); err != nil {
		t.Fatal(err)
	}
	defer ana.call.Close()
	defer bo.call.Close()
	framesAfter := func(min int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if n, _ := bo.got.snapshot(); n >= min {
				return
			}
			if time.Now().After(deadline) {
				n, _ := bo.got.snapshot()
				t.Fatalf("Bo decoded %d frames, want %d", n, min)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	framesAfter(30)
	ana.call.UseDevices(second.CameraID, second.MicrophoneID)
	waitOpen(t, second.CameraID)
	open := capture.OpenDevices()
	if slices.Contains(open, first.CameraID) || !slices.Contains(open, second.CameraID) {
		t.Fatalf("open devices after switching: %v", open)
	}
	n, _ := bo.got.snapshot()
	framesAfter(n + 30)
	for {
		select {
		case ev := <-bo.events:
			if e, ok := ev.(app.UserLeft); ok {
				t.Fatalf("Bo saw Ana leave when she switched cameras: %+v", e)
			}
		default:
			return
		}
	}
}

func TestUnpluggedCameraTurnsOffAndTheCallGoesOn(t *testing.T) {
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("unplug")
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID,
		Video: app.VideoStandard.Profile(),
	})
	bo := newParticipant("bo-unplug")
	defer ana.call.Close()
	defer bo.call.Close()
	ctx := context.Background()
	if err := ana.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "up", UserID: "ana", Name: "Ana", Camera: true, Microphone: true}); err != nil {
		t.Fatal(err)
	}
	if err := bo.call.Join(ctx, app.JoinParams{ServerURL: srv.URL(), RoomID: "up", UserID: "bo", Name: "Bo"}); err != nil {
		t.Fatal(err)
	}
	bo.waitEvent(t, "Ana's camera", isVideo("ana", app.SourceCamera, true))
	capture.Unplug(pair.CameraID)
	ev := ana.waitEvent(t, "camera lost", func(ev app.Event) bool { _, ok := ev.(app.DeviceError); return ok }).(app.DeviceError)
	if ev.Source != app.SourceCamera || !errors.Is(ev.Err, app.ErrDeviceLost) {
		t.Errorf("device error %+v; want the camera lost", ev)
	}
	bo.waitEvent(t, "Ana's camera gone", isVideo("ana", app.SourceCamera, false))
	_, before := bo.got.snapshot()
	if len(before) < 3*media.SampleRate { // the sink keeps 3 s: wait for more to come
		deadline := time.Now().Add(5 * time.Second)
		for _, after := bo.got.snapshot(); len(after) < len(before)+media.SampleRate/4; _, after = bo.got.snapshot() {
			if time.Now().After(deadline) {
				t.Fatal("Ana's microphone stopped with her camera")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err := ana.settle(t, app.SourceCamera, true, func() { ana.call.SetCamera(true) }); err == nil {
		t.Error("turning on an unplugged camera succeeded")
	}
	capture.Plug(pair.CameraID)
	if err := ana.settle(t, app.SourceCamera, true, func() { ana.call.SetCamera(true) }); err != nil {
		t.Fatalf("camera plugged back: %v", err)
	}
	bo.waitEvent(t, "Ana's camera back", isVideo("ana", app.SourceCamera, true))
}

// waitOpen waits until the devices are open (a switch is carried out by
// the call's worker, and only a failure is an event).
func waitOpen(t *testing.T, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		open := capture.OpenDevices()
		missing := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(open, id) })
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v not open after 10 s (open: %v)", missing, open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
