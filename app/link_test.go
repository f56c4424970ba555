package app

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

var t0 = time.Unix(1_000_000, 0)

func at(d time.Duration) time.Time { return t0.Add(d) }

// drive drives a fresh link through inputs (each at its time) and
// returns it with the last step.
type timed struct {
	in any
	at time.Duration
}

func drive(inputs ...timed) (link, linkStep) {
	l := link{rules: DefaultLinkRules}
	var step linkStep
	for _, x := range inputs {
		l, step = l.step(x.in, at(x.at))
	}
	return l, step
}

// Reusable beginnings.
var (
	joining   = []timed{{linkJoinStarted{}, 0}}
	connected = then(joining, timed{linkJoined{}, 0})
	// expecting: connected, with someone sending to us as of 0.
	expecting = then(connected, timed{LinkSample{LastMedia: at(0), ExpectsMedia: true}, 0})
	// stalled: reconnecting since 2.6 s, when the media had been silent
	// for longer than StallAfter.
	stalled = then(expecting, timed{linkTick{}, 2600 * time.Millisecond})
	// ended: disconnected after the server removed us.
	ended = then(connected, timed{LinkLost{Err: ErrConnectionLost}, time.Second})
)

func then(start []timed, more ...timed) []timed {
	return append(append([]timed(nil), start...), more...)
}

type transitionCase struct {
	name     string
	inputs   []timed
	from, to ConnectionState
	check    func(t *testing.T, step linkStep)
}

func wantErr(want error) func(*testing.T, linkStep) {
	return func(t *testing.T, s linkStep) {
		t.Helper()
		if !errors.Is(s.err, want) || !s.teardown {
			t.Errorf("step %+v, want err %v and teardown", s, want)
		}
	}
}

var transitionCases = []transitionCase{
	{"join starts", joining, Idle, Joining, nil},
	{"joined", connected, Joining, Connected, nil},
	{"join failed", then(joining, timed{linkJoinFailed{err: ErrWrongPassword}, 0}), Joining, Disconnected, wantErr(ErrWrongPassword)},
	{"join cancelled", then(joining, timed{linkLeft{}, 0}), Joining, Idle, nil},
	{"media silent too long", stalled, Connected, Reconnecting, func(t *testing.T, s linkStep) {
		if !s.probe {
			t.Error("reconnecting did not probe the server")
		}
	}},
	{"SDK reconnecting", then(connected, timed{LinkSample{SDKReconnecting: true}, 0}), Connected, Reconnecting, nil},
	{"server ends the session", then(connected, timed{LinkLost{Err: ErrServerGone}, 0}), Connected, Disconnected, wantErr(ErrServerGone)},
	{"left", then(connected, timed{linkLeft{}, 0}), Connected, Idle, func(t *testing.T, s linkStep) {
		if !s.teardown {
			t.Error("leaving did not release the transport")
		}
	}},
	{"media back", then(stalled, timed{LinkSample{LastMedia: at(3 * time.Second), ExpectsMedia: true}, 3 * time.Second}), Reconnecting, Connected, nil},
	{"nobody left to send", then(stalled, timed{LinkSample{LastMedia: at(0)}, 3 * time.Second}), Reconnecting, Connected, nil},
	{"gave up", then(stalled, timed{linkTick{}, 2600*time.Millisecond + DefaultLinkRules.GiveUpAfter + time.Millisecond}), Reconnecting, Disconnected, wantErr(ErrConnectionLost)},
	{"server refuses twice", then(stalled, timed{ServerProbed{Refused: true}, 3 * time.Second}, timed{ServerProbed{Refused: true}, 4 * time.Second}), Reconnecting, Disconnected, wantErr(ErrServerGone)},
	{"kicked while reconnecting", then(stalled, timed{LinkLost{Kick: kickPtr(KickRemoved)}, 3 * time.Second}), Reconnecting, Disconnected, func(t *testing.T, s linkStep) {
		if s.kick == nil || *s.kick != KickRemoved {
			t.Errorf("kick %v, want removed", s.kick)
		}
	}},
	{"left while reconnecting", then(stalled, timed{linkLeft{}, 3 * time.Second}), Reconnecting, Idle, nil},
	{"rejoin after the end", then(ended, timed{linkJoinStarted{}, 2 * time.Second}), Disconnected, Joining, nil},
	{"back to the lobby after the end", then(ended, timed{linkLeft{}, 2 * time.Second}), Disconnected, Idle, nil},
}

func kickPtr(k KickReason) *KickReason { return &k }

// TestEveryTransition runs one case per edge of the transition table, and
// fails if an edge has no case or a case takes an edge the table lacks.
func TestEveryTransition(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range transitionCases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := drive(tc.inputs[:len(tc.inputs)-1]...)
			if before.state != tc.from {
				t.Fatalf("set-up reached %v, want %v", before.state, tc.from)
			}
			l, step := drive(tc.inputs...)
			if l.state != tc.to || !step.changed {
				t.Fatalf("%v → %v (changed %v), want %v", tc.from, l.state, step.changed, tc.to)
			}
			if tc.check != nil {
				tc.check(t, step)
			}
		})
		covered[fmt.Sprint(tc.from, "→", tc.to)] = true
	}
	for from, tos := range transitions {
		for _, to := range tos {
			if !covered[fmt.Sprint(from, "→", to)] {
				t.Errorf("no test for %v → %v", from, to)
			}
		}
	}
}

func TestNoTransitionOutsideTheTable(t *testing.T) {
	cases := []struct {
		name   string
		inputs []timed
	}{
		{"joined twice", then(connected, timed{linkJoined{}, time.Second})},
		{"a late failure after joining", then(connected, timed{linkJoinFailed{err: ErrWrongPassword}, time.Second})},
		{"lost twice", then(ended, timed{LinkLost{Err: ErrServerGone}, 2 * time.Second})},
		{"evidence before joining", []timed{{LinkSample{SDKReconnecting: true}, 0}}},
		{"evidence after the end", then(ended, timed{LinkSample{SDKReconnecting: true}, 2 * time.Second})},
		{"left when idle", []timed{{linkLeft{}, 0}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := drive(tc.inputs[:len(tc.inputs)-1]...)
			l, step := drive(tc.inputs...)
			if step.changed || l.state != before.state || step.teardown && before.state == Idle {
				t.Fatalf("%v → %v, step %+v: want no change", before.state, l.state, step)
			}
		})
	}
}

// The SDK saying "reconnected" is evidence, not a verdict: while the media
// stays silent the call stays reconnecting, and once it flows the give-up
// countdown of that outage is over. Before, the SDK's callback showed
// Connected while a separate countdown went on and ended the call.
func TestSDKReconnectedWithoutMediaDoesNotFlapOrEnd(t *testing.T) {
	sdkBack := LinkSample{LastMedia: at(0), ExpectsMedia: true}
	l, step := drive(then(stalled, timed{sdkBack, 3 * time.Second})...)
	if l.state != Reconnecting || step.changed {
		t.Fatalf("SDK back, media silent: %v (changed %v), want still reconnecting", l.state, step.changed)
	}
	mediaBack := LinkSample{LastMedia: at(5 * time.Second), ExpectsMedia: true}
	l, _ = l.step(mediaBack, at(5*time.Second))
	if l.state != Connected {
		t.Fatalf("media back: %v, want connected", l.state)
	}
	// Past the old outage's give-up time, media still flowing: no end.
	late := at(2600*time.Millisecond + DefaultLinkRules.GiveUpAfter + time.Second)
	l, step = l.step(LinkSample{LastMedia: late, ExpectsMedia: true}, late)
	if l.state != Connected || step.changed {
		t.Fatalf("after recovery: %v, step %+v", l.state, step)
	}
}

func TestProbesWhileReconnectingAtTheirPace(t *testing.T) {
	l, step := drive(stalled...)
	if !step.probe {
		t.Fatal("no probe on entering reconnecting")
	}
	for _, c := range []struct {
		at    time.Duration
		probe bool
	}{{3000 * time.Millisecond, false}, {3600 * time.Millisecond, true}, {4000 * time.Millisecond, false}, {4700 * time.Millisecond, true}} {
		l, step = l.step(linkTick{}, at(c.at))
		if step.probe != c.probe {
			t.Errorf("at %v: probe %v, want %v", c.at, step.probe, c.probe)
		}
	}
	// One refusal, then an answer: the count starts again.
	l, _ = l.step(ServerProbed{Refused: true}, at(5*time.Second))
	l, _ = l.step(ServerProbed{Refused: false}, at(6*time.Second))
	l, step = l.step(ServerProbed{Refused: true}, at(7*time.Second))
	if l.state != Reconnecting || step.changed {
		t.Fatalf("refusals not in a row ended the call: %v", l.state)
	}
}

func TestSilenceIsNoTroubleWhenNobodySends(t *testing.T) {
	l, step := drive(then(connected, timed{LinkSample{LastMedia: at(0)}, 0}, timed{linkTick{}, time.Minute})...)
	if l.state != Connected || step.changed {
		t.Fatalf("a quiet room went %v", l.state)
	}
}
