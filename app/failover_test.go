package app

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// driveCluster is drive for a call that knows n other nodes.
func driveCluster(n int, inputs ...timed) (link, linkStep) {
	l := link{rules: DefaultLinkRules, cluster: n > 0}
	var step linkStep
	for _, x := range inputs {
		l, step = l.step(x.in, at(x.at))
	}
	return l, step
}

var (
	nodeWent  = timed{LinkLost{Err: ErrServerGone}, time.Second}
	rejoined  = timed{linkFailedOver{}, 2 * time.Second}
	noneTaken = timed{linkFailedOver{err: ErrServerGone}, 2 * time.Second}
)

func TestALinkFailsOverOnlyWhenTheServerWentInACluster(t *testing.T) {
	cases := []struct {
		name       string
		alternates int
		inputs     []timed
		want       ConnectionState
		failover   bool
	}{
		{"node said it stops", 2, then(connected, nodeWent), Reconnecting, true},
		{"node refuses probes", 1, then(stalled, timed{ServerProbed{Refused: true}, 3 * time.Second},
			timed{ServerProbed{Refused: true}, 4 * time.Second}), Reconnecting, true},
		{"a lone server stops", 0, then(connected, nodeWent), Disconnected, false},
		{"removed by the host", 2, then(connected, timed{LinkLost{Kick: kickPtr(KickRemoved)}, time.Second}), Disconnected, false},
		{"connection lost", 2, then(connected, timed{LinkLost{Err: ErrConnectionLost}, time.Second}), Disconnected, false},
		{"rejoined", 2, then(connected, nodeWent, rejoined), Connected, false},
		{"no node took it", 2, then(connected, nodeWent, noneTaken), Disconnected, false},
		{"old news ignored while rejoining", 2, then(connected, nodeWent,
			timed{ServerProbed{Refused: true}, 1500 * time.Millisecond},
			timed{ServerProbed{Refused: true}, 1600 * time.Millisecond}), Reconnecting, false},
		{"ticks wait for the rejoin", 2, then(connected, nodeWent, timed{linkTick{}, 1250 * time.Millisecond},
			timed{linkTick{}, 1500 * time.Millisecond}), Reconnecting, false},
		{"a rejoin that hangs gives up", 2, then(connected, nodeWent,
			timed{linkTick{}, time.Second + DefaultLinkRules.GiveUpAfter + time.Millisecond}), Disconnected, false},
		{"left while rejoining", 2, then(connected, nodeWent, timed{linkLeft{}, 1500 * time.Millisecond}), Idle, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, step := driveCluster(tc.alternates, tc.inputs...)
			if l.state != tc.want || step.failover != tc.failover {
				t.Fatalf("state %v, failover %v; want %v, %v", l.state, step.failover, tc.want, tc.failover)
			}
			if tc.want == Reconnecting && step.teardown {
				t.Error("a rejoin tore the session down: the loop's job replaces it")
			}
		})
	}
}

// The node it rejoined through went too, before the rejoin was reported
// done (nodes stopping one after the other): it rejoins again.
func TestALossDuringARejoinRejoinsAgain(t *testing.T) {
	l, step := driveCluster(2, then(connected, nodeWent, timed{LinkLost{Err: ErrServerGone}, 1500 * time.Millisecond}, rejoined)...)
	if l.state != Reconnecting || !step.failover {
		t.Fatalf("state %v, failover %v; want a second rejoin", l.state, step.failover)
	}
	l, step = l.step(linkFailedOver{}, at(3*time.Second))
	if l.state != Connected || !step.changed {
		t.Fatalf("state %v after the second rejoin", l.state)
	}
}

// A call whose node stops rejoins through the others in the directory's
// order, the dead node first (it may have lost only the room): the people
// stay without a leave or join, and the camera and microphone come back on.
func TestTheCallRejoinsThroughAnotherNodeWhenItsNodeStops(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana(cam)}}}
	c := joined(t, tr)
	c.SetCamera(true)
	c.SetMicrophone(true)
	tr.waitCall(t, "camera on ", "microphone on ")
	tr.waitCall(t, "microphone on ", "camera on ")
	tr.postNow(ClusterNodes{URLs: []string{"ws://127.0.0.1:7880", "ws://b:7880", "ws://c:7880"}})
	upToNow(t, c, nil)

	tr.refuse = map[string]error{"ws://127.0.0.1:7880": ErrServerGone, "ws://b:7880": ErrServerGone}
	tr.postNow(LinkLost{Err: ErrServerGone})
	tr.waitCall(t, "disconnect")
	tr.waitCall(t, "connect refused", "disconnect")
	tr.waitCall(t, "connect refused", "disconnect")
	tr.waitCall(t, "connect", "disconnect")
	tr.waitCall(t, "camera on ", "microphone on ")
	waitEvent(t, c, func(ev Event) bool { e, ok := ev.(StateChanged); return ok && e.State == Connected })
	waitEvent(t, c, func(ev Event) bool { return ev == LocalSourceChanged{Source: SourceCamera, Wanted: true, On: true} })
	if s := c.Snapshot(); s.State != Connected || len(s.Users) != 1 || !s.Sources[SourceCamera].On {
		t.Fatalf("after the rejoin: %+v", s)
	}
	tr.mu.Lock()
	urls := slices.Clone(tr.urls)
	tr.mu.Unlock()
	if want := []string{"ws://127.0.0.1:7880", "ws://127.0.0.1:7880", "ws://b:7880", "ws://c:7880"}; !slices.Equal(urls, want) {
		t.Errorf("connected to %v, want %v", urls, want)
	}
}

// A node that fails the rejoin may report its session's loss on the way
// out: only the attempt that took the call counts, so the call stays.
func TestAFailedAttemptsLossDoesNotEndTheRejoinedCall(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	tr.postNow(ClusterNodes{URLs: []string{"ws://127.0.0.1:7880", "ws://b:7880"}})
	upToNow(t, c, nil)
	tr.refuse, tr.lostOnRefuse = map[string]error{"ws://127.0.0.1:7880": ErrServerGone}, true
	tr.postNow(LinkLost{Err: ErrServerGone})
	tr.waitCall(t, "connect refused", "disconnect")
	tr.waitCall(t, "connect", "disconnect")
	waitEvent(t, c, func(ev Event) bool { e, ok := ev.(StateChanged); return ok && e.State == Connected })
	c.SetCamera(true) // a marker: its call comes after anything the loss would have caused
	tr.waitCall(t, "camera on ")
	if s := c.Snapshot(); s.State != Connected {
		t.Fatalf("state %v after the rejoin; a failed attempt's loss counted", s.State)
	}
}

// When no node takes the call, it ends as the server's going ends it.
func TestTheCallEndsWhenNoNodeTakesIt(t *testing.T) {
	tr := newFake()
	rules := DefaultLinkRules
	rules.RejoinFor = time.Second // round after round of refusals, then the end
	c := joined(t, tr, WithLinkRules(rules))
	tr.postNow(ClusterNodes{URLs: []string{"ws://127.0.0.1:7880", "ws://b:7880"}})
	upToNow(t, c, nil)
	tr.refuse = map[string]error{"ws://127.0.0.1:7880": ErrServerGone, "ws://b:7880": ErrServerGone}
	tr.postNow(LinkLost{Err: ErrServerGone})
	var ended StateChanged
	waitEvent(t, c, func(ev Event) bool {
		e, ok := ev.(StateChanged)
		ended = e
		return ok && e.State == Disconnected
	})
	if !errors.Is(ended.Err, ErrServerGone) {
		t.Errorf("ended with %v, want %v", ended.Err, ErrServerGone)
	}
}
