package livekit_test

import (
	"fmt"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
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
