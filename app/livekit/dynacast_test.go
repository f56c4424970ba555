package livekit_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
)

// A camera layer that no subscriber takes is paused once the server says
// so (dynacast: after livekit-server's 5 s pause delay), and a tile that
// grows gets it back promptly, its publisher resuming it with a keyframe.
func TestALayerNobodyTakesPausesAndComesBackForALargeTile(t *testing.T) {
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("dynacast")
	layers := make(chan layerNote, 64)
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID, Video: app.VideoStandard.Profile(),
		Log: slog.New(layerNotes{layers}),
	})
	widths := make(chan int, 256)
	bo := startParticipant("bo", app.TransportConfig{
		VideoSink: func(string, app.Source) media.FrameSink { return widthLog{widths} },
	})
	ana.joinWith(t, app.JoinParams{ServerURL: srv.URL(), RoomID: "dc", UserID: "ana", Name: "Ana", Camera: true})
	bo.join(t, srv.URL(), "dc", "bo")
	waitWidth(t, widths, 1280, 10, "the full layer by default")
	bo.call.SetRemoteVideoSize("ana", app.SourceCamera, 320, 180)
	waitWidth(t, widths, 320, 10, "the small layer for a small tile")
	waitLayerNote(t, layers, 20*time.Second, layerNote{paused: true, scale: 1})

	bo.call.SetRemoteVideoSize("ana", app.SourceCamera, 960, 540)
	asked := time.Now()
	waitLayerNote(t, layers, 5*time.Second, layerNote{paused: false, scale: 1})
	back := waitWidth(t, widths, 1280, 1, "the full layer for a large tile")
	// The server's word and a keyframe's way through it; some 100 ms here,
	// well under a second on a loaded machine.
	took := back.Sub(asked)
	t.Logf("the full layer's picture came %v after the tile grew", took)
	if took > 2*time.Second {
		t.Fatalf("the full layer's picture came %v after the tile grew", took)
	}
	for _, p := range []*participant{ana, bo} {
		p.call.Close()
		<-p.done
		testenv.CheckNoGoroutines(t, p.owner, 5*time.Second)
	}
}

// A publisher alone in a room has every camera layer paused by the server
// and sends no video; the RTCP its server still sends keeps the link's
// watch from taking the silence for a dead link.
func TestALonePublisherWhoseLayersArePausedStaysConnected(t *testing.T) {
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("alone")
	layers := make(chan layerNote, 64)
	ana := startParticipant("ana", app.TransportConfig{
		CameraID: pair.CameraID, Video: app.VideoStandard.Profile(), Log: slog.New(layerNotes{layers}),
	})
	ana.joinWith(t, app.JoinParams{ServerURL: srv.URL(), RoomID: "al", UserID: "ana", Name: "Ana", Camera: true})
	waitLayerNote(t, layers, 20*time.Second, layerNote{true, 1}, layerNote{true, 2}, layerNote{true, 4})
	for drained := false; !drained; { // the join's own state changes
		select {
		case <-ana.events:
		default:
			drained = true
		}
	}
	// The link's watch calls media silent for 2.5 s a stall; twice that
	// without a state change is a link that holds.
	quiet := time.After(2 * app.DefaultLinkRules.StallAfter)
	for waiting := true; waiting; {
		select {
		case ev := <-ana.events:
			if sc, ok := ev.(app.StateChanged); ok {
				t.Fatalf("the call went %v while its camera was paused", sc.State)
			}
		case <-quiet:
			waiting = false
		}
	}
	ana.call.Close()
	<-ana.done
	testenv.CheckNoGoroutines(t, ana.owner, 5*time.Second)
}

// layerNote is a sender's log record of a layer paused or resumed.
type layerNote struct {
	paused bool
	scale  int
}

// layerNotes passes on the sender's records of layers paused and resumed
// (media/video, debug) and drops the rest of a call's log.
type layerNotes struct{ notes chan layerNote }

func (l layerNotes) Enabled(context.Context, slog.Level) bool { return true }
func (l layerNotes) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l layerNotes) WithGroup(string) slog.Handler            { return l }

func (l layerNotes) Handle(_ context.Context, r slog.Record) error {
	var n layerNote
	switch r.Message {
	case "video layer paused: no receiver takes it":
		n.paused = true
	case "video layer resumed":
	default:
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "scale" {
			n.scale = int(a.Value.Int64())
		}
		return true
	})
	select {
	case l.notes <- n:
	default:
	}
	return nil
}

// waitLayerNote waits until every wanted record has come, in any order: the
// server may pause a publisher's layers in one update or in several.
func waitLayerNote(t *testing.T, notes chan layerNote, within time.Duration, want ...layerNote) {
	t.Helper()
	timeout := time.After(within)
	missing := map[layerNote]bool{}
	for _, w := range want {
		missing[w] = true
	}
	for len(missing) > 0 {
		select {
		case n := <-notes:
			delete(missing, n)
		case <-timeout:
			t.Fatalf("no record of %v within %v (paused, scale)", missing, within)
		}
	}
}
