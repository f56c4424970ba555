package livekit_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
)

// seenWithin is how soon the others must see a member arrive or leave.
// Sent at once, the news comes as the join returns (some 30 ms here), and
// well under a second under -race on a loaded machine.
const seenWithin = 1500 * time.Millisecond

// Someone who joins with camera and microphone off, and leaves again, is
// seen to arrive and to leave at once, like someone who publishes.
// LiveKit batches the news of members who publish nothing every 3 s
// (room.go's subscriberUpdateInterval): without Confer's member-updates
// patch every arrival and departure here came 2.9–3.0 s late, this test
// waiting for each one before the next.
func TestAMemberWithNothingOnIsSeenToComeAndGoAtOnce(t *testing.T) {
	srv := testenv.StartServer(t)
	host := startParticipant("host", app.TransportConfig{})
	host.join(t, srv.URL(), "arrivals", "host")
	for i := range 4 {
		user := fmt.Sprintf("guest%d", i)
		guest := startParticipant(user, app.TransportConfig{})
		guest.join(t, srv.URL(), "arrivals", user)
		joined := time.Now()
		host.waitEvent(t, user+" joined", func(ev app.Event) bool { e, ok := ev.(app.UserJoined); return ok && e.UserID == user })
		if late := time.Since(joined); late > seenWithin {
			t.Errorf("%s was seen to arrive %v after its join returned; want at most %v", user, late.Round(time.Millisecond), seenWithin)
		}
		guest.call.Close()
		left := time.Now()
		host.waitEvent(t, user+" left", func(ev app.Event) bool { e, ok := ev.(app.UserLeft); return ok && e.UserID == user })
		if late := time.Since(left); late > seenWithin {
			t.Errorf("%s was seen to leave %v after it closed its call; want at most %v", user, late.Round(time.Millisecond), seenWithin)
		}
		<-guest.done
		testenv.CheckNoGoroutines(t, guest.owner, 5*time.Second)
	}
	host.call.Close()
	<-host.done
	testenv.CheckNoGoroutines(t, host.owner, 5*time.Second)
}

// A camera turned off is seen off at once: the app mutes it before it
// unpublishes, and the server tells the others of a mute straight away;
// it tells them of a track unpublished only once it has taken the
// publisher's next offer and ended the track's receivers, and the others'
// picture stood still 221–223 ms each time before their tile turned off.
// The median of five is asked for, as one turn can meet a busy moment of
// a loaded machine.
func TestACameraTurnedOffIsSeenOffAtOnce(t *testing.T) {
	srv := testenv.StartServer(t)
	pair := capture.AddFakePair("camera-off")
	ana := startParticipant("ana", app.TransportConfig{CameraID: pair.CameraID, MicrophoneID: pair.MicrophoneID})
	got := &received{}
	bo := startParticipant("bo", app.TransportConfig{VideoSink: func(string, app.Source) media.FrameSink { return got }})
	ana.join(t, srv.URL(), "camera-off", "ana")
	bo.join(t, srv.URL(), "camera-off", "bo")
	bo.waitJoined(t, "ana")
	var took []time.Duration
	for range 5 {
		ana.call.SetCamera(true)
		bo.waitEvent(t, "Ana's camera", isVideo("ana", app.SourceCamera, true))
		n, _ := got.snapshot()
		got.sizeAfter(t, "Ana's camera", n+10) // Bo watches it
		start := time.Now()
		ana.call.SetCamera(false)
		bo.waitEvent(t, "Ana's camera off", isVideo("ana", app.SourceCamera, false))
		took = append(took, time.Since(start))
	}
	t.Logf("camera off seen after %v", took)
	slices.Sort(took)
	if median := took[len(took)/2]; median > 100*time.Millisecond {
		t.Errorf("a camera turned off was seen off after %v (median of %v); want at most 100 ms", median, took)
	}
	ana.call.Close()
	bo.call.Close()
	<-ana.done
	<-bo.done
}
