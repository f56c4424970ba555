package app

import (
	"errors"
	"time"
)

// LinkRules are the timings of the connection state machine.
//
// LiveKit's Go SDK sends no signal pings and notices a dead link only when
// ICE fails (10 + 5 s), then retries for over a minute. So the call judges
// the link by its media instead: silence while someone should be sending
// means trouble long before ICE says so.
type LinkRules struct {
	// StallAfter is how long media may be silent, while expected, before
	// the call shows "reconnecting".
	StallAfter time.Duration
	// GiveUpAfter is how long the call stays reconnecting before it ends.
	GiveUpAfter time.Duration
	// ProbeEvery is how often, while reconnecting, the server's port is
	// probed. A refused connection means nothing listens there any more:
	// the server is gone (a dead network times out instead).
	ProbeEvery time.Duration
	// RefusalsToEnd is how many refused probes in a row end the call.
	RefusalsToEnd int
	// Tick is how often the call re-evaluates the link while in a call.
	Tick time.Duration
	// RejoinFor is how long a call whose node went keeps trying the
	// other nodes of the cluster (failover.go).
	RejoinFor time.Duration
}

// DefaultLinkRules: 2.5 s of silence is longer than any pause in a stream
// that should be flowing (video sends ≥ 1 frame a second, audio 50 packets
// a second, RTCP reports every second), and 15 s covers a Wi-Fi roam or a
// brief drop without keeping a dead call open for long.
var DefaultLinkRules = LinkRules{
	StallAfter:    2500 * time.Millisecond,
	GiveUpAfter:   15 * time.Second,
	ProbeEvery:    time.Second,
	RefusalsToEnd: 2,
	Tick:          250 * time.Millisecond,
	RejoinFor:     12 * time.Second,
}

// link is the connection state machine. Its step is a pure function of its
// value, the input and the time: it reads no clock and does no I/O, so each
// transition has its own test with a clock moved by hand. The call's loop
// alone owns a link and carries out what the step asks for.
//
// Invariants: since is set while Reconnecting; evidence is the newest the
// transport reported in this session.
type link struct {
	rules    LinkRules
	state    ConnectionState
	evidence LinkSample
	since    time.Time // Reconnecting began
	probed   time.Time // last probe asked for
	refused  int       // refused probes in a row
	// cluster: the server is a cluster of nodes, and the call rejoins
	// through them when its node goes (failover.go); failing is set while
	// it does, and the old session's news is ignored meanwhile.
	cluster bool
	failing bool
	// lost is the new session's end, when it came before the rejoin was
	// done: applied once it is.
	lost *LinkLost
}

// Inputs of the machine. LinkSample, LinkLost and ServerProbed come from the
// transport; the others from the call's own commands and clock.
type (
	linkJoinStarted struct{}
	linkJoined      struct{}
	linkJoinFailed  struct{ err error }
	linkLeft        struct{}
	linkTick        struct{}
	// linkFailedOver: the rejoin through the cluster ended, err nil if it
	// worked.
	linkFailedOver struct{ err error }
)

// linkStep is what a step asks the loop to do.
type linkStep struct {
	changed  bool // state changed: report StateChanged{state, err}
	err      error
	kick     *KickReason // report KickedOut first
	probe    bool        // ask the transport to probe the server
	teardown bool        // release the transport's session
	failover bool        // rejoin through another node of the cluster
}

// transitions lists every allowed change of state; enter refuses any other,
// so no input can take the call along an edge nobody designed.
var transitions = map[ConnectionState][]ConnectionState{
	Idle:         {Joining},
	Joining:      {Connected, Disconnected, Idle},
	Connected:    {Reconnecting, Disconnected, Idle},
	Reconnecting: {Connected, Disconnected, Idle},
	Disconnected: {Joining, Idle},
}

func allowed(from, to ConnectionState) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// enter moves to state to if the table allows it.
func (l *link) enter(to ConnectionState, now time.Time, out *linkStep) bool {
	if !allowed(l.state, to) {
		return false
	}
	l.state = to
	out.changed = true
	if to != Reconnecting {
		l.failing, l.lost = false, nil
	}
	if to == Reconnecting {
		l.since, l.probed, l.refused = now, time.Time{}, 0
	}
	return true
}

// step applies one input at time now.
func (l link) step(in any, now time.Time) (link, linkStep) {
	var out linkStep
	switch in := in.(type) {
	case linkJoinStarted:
		l.evidence = LinkSample{}
		l.enter(Joining, now, &out)
	case linkJoined:
		// Joining counts as media: the stall clock starts now.
		l.evidence = LinkSample{LastMedia: now}
		l.enter(Connected, now, &out)
	case linkJoinFailed:
		if l.state == Joining && l.enter(Disconnected, now, &out) {
			out.err, out.teardown = in.err, true
		}
	case linkLeft:
		out.teardown = l.state != Idle
		l.enter(Idle, now, &out)
	case LinkLost:
		switch {
		case l.failing:
			l.lost = &in
		case in.Kick == nil && errors.Is(in.Err, ErrServerGone) && l.failOver(now, &out):
		case l.state != Idle && l.state != Disconnected && l.enter(Disconnected, now, &out):
			out.err, out.kick, out.teardown = in.Err, in.Kick, true
		}
	case LinkSample:
		if l.state.InCall() && !l.failing {
			l.evidence = in
			l.evaluate(now, &out)
		}
	case ServerProbed:
		if !l.failing {
			l.probeResult(in.Refused, now, &out)
		}
	case linkFailedOver:
		l.failedOver(in, now, &out)
	case linkTick:
		l.evaluate(now, &out)
	}
	return l, out
}

// troubled tells whether the evidence says the link is not working: the
// SDK is reconnecting, or media that should flow has been silent too long.
func (l *link) troubled(now time.Time) bool {
	e := l.evidence
	return e.SDKReconnecting || e.ExpectsMedia && now.Sub(e.LastMedia) > l.rules.StallAfter
}

// evaluate turns the evidence and the time into reconnecting, recovered or
// given up, and asks for a probe when one is due.
func (l *link) evaluate(now time.Time, out *linkStep) {
	switch l.state {
	case Connected:
		if l.troubled(now) {
			l.enter(Reconnecting, now, out)
			l.probeIfDue(now, out)
		}
	case Reconnecting:
		switch {
		case l.failing && now.Sub(l.since) <= l.rules.GiveUpAfter:
			// A rejoin through the cluster is under way: its end decides,
			// not the old session's evidence.
		case !l.failing && !l.troubled(now):
			l.enter(Connected, now, out)
		case now.Sub(l.since) > l.rules.GiveUpAfter:
			l.enter(Disconnected, now, out)
			out.err, out.teardown = ErrConnectionLost, true
		default:
			l.probeIfDue(now, out)
		}
	}
}

func (l *link) probeIfDue(now time.Time, out *linkStep) {
	if l.rules.ProbeEvery > 0 && now.Sub(l.probed) >= l.rules.ProbeEvery {
		l.probed, out.probe = now, true
	}
}

// probeResult counts refusals in a row; enough of them end the call with
// ErrServerGone. LiveKit may ask clients to reconnect when it shuts down,
// which is right in a cluster and futile alone: refusals tell them apart.
func (l *link) probeResult(refused bool, now time.Time, out *linkStep) {
	if l.state != Reconnecting {
		l.refused = 0
		return
	}
	if !refused {
		l.refused = 0
		return
	}
	l.refused++
	if l.refused >= l.rules.RefusalsToEnd && !l.failOver(now, out) && l.enter(Disconnected, now, out) {
		out.err, out.teardown = ErrServerGone, true
	}
}

// failOver starts a rejoin through the cluster, when there is one:
// the call stays reconnecting meanwhile, and its give-up clock restarts.
func (l *link) failOver(now time.Time, out *linkStep) bool {
	if !l.cluster || !l.state.InCall() {
		return false
	}
	if l.state == Connected {
		l.enter(Reconnecting, now, out)
	}
	l.since, l.failing, out.failover = now, true, true
	return true
}

// failedOver ends a rejoin: connected again, or over (every node tried).
func (l *link) failedOver(in linkFailedOver, now time.Time, out *linkStep) {
	if !l.failing {
		return
	}
	l.failing = false
	lost := l.lost
	l.lost = nil
	switch {
	case in.err != nil:
		if l.enter(Disconnected, now, out) {
			out.err, out.teardown = ErrServerGone, true
		}
	case lost != nil:
		// The node it rejoined through went too (a cluster stopping node
		// after node): rejoin again, or end as the loss says.
		*l, *out = l.step(*lost, now)
	default:
		l.evidence = LinkSample{LastMedia: now}
		l.enter(Connected, now, out)
	}
}
