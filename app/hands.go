package app

import "time"

// HandAttribute is the participant attribute that carries a raised hand:
// the time it went up, in ISO 8601 as JavaScript's toISOString writes it
// ("2025-01-02T15:04:05.000Z"); absent or empty when the hand is down.
// LiveKit's own Meet has no raised hands; this is the attribute La Suite
// Meet, the largest open LiveKit meeting app with them, uses, so hands
// show both ways, and the time orders a queue.
const HandAttribute = "handRaisedAt"

// handValue is the attribute's value for a hand raised at t.
func handValue(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// handOf reads a hand from attributes. A value that is not a time still
// means raised (another client's format); at is then zero.
func handOf(attrs map[string]string) (raised bool, at time.Time) {
	v := attrs[HandAttribute]
	if v == "" {
		return false, time.Time{}
	}
	at, _ = time.Parse(time.RFC3339Nano, v)
	return true, at
}

// HandRaisedAt reads a participant's raised hand.
func (p Participant) HandRaisedAt() (raised bool, at time.Time) { return handOf(p.Attributes) }

// hand is this participant's own hand, as the loop keeps it.
type hand struct {
	raised bool
	at     time.Time
	// confirmed: the server has shown our value back in this session,
	// so its disappearing later means the host lowered it.
	confirmed bool
}

// raiseHand raises or lowers this participant's hand, in a call.
func (l *loop) raiseHand(raised bool) {
	if raised == l.hand.raised || (l.link.state != Joining && !l.link.state.InCall()) {
		return
	}
	l.hand = hand{raised: raised}
	if raised {
		l.hand.at = l.c.clock.Now()
	}
	l.emit(HandRaised{Raised: raised, At: l.hand.at})
	l.pushHand()
}

// pushHand sets the attribute on the server; on every return to Connected
// as well, since the SDK's full reconnect starts a new participant with
// none and a lost signal message is never retried.
func (l *loop) pushHand() {
	if !l.link.state.InCall() {
		return // pushed once connected
	}
	value := ""
	if l.hand.raised {
		value = handValue(l.hand.at)
	}
	t, log := l.c.t, l.c.log
	l.c.work.queue(func() {
		if err := t.SetAttributes(map[string]string{HandAttribute: value}); err != nil {
			log.Warn("raise hand", "err", err)
		}
	})
}

// localAttributes notices the host lowering this participant's hand.
// Only while connected: during a reconnect the server may show a new
// participant's empty attributes before ours are set again.
func (l *loop) localAttributes(attrs map[string]string) {
	if l.link.state != Connected || !l.hand.raised {
		return
	}
	switch v := attrs[HandAttribute]; {
	case v == handValue(l.hand.at):
		l.hand.confirmed = true
	case v == "" && l.hand.confirmed:
		l.hand = hand{}
		l.emit(HandRaised{Raised: false})
	}
}

// appendHand reports a remote hand raised or lowered (a newcomer's
// raised hand too).
func appendHand(out []Event, old, now Participant) []Event {
	was, _ := old.HandRaisedAt()
	is, at := now.HandRaisedAt()
	if was == is {
		return out
	}
	return append(out, HandRaised{UserID: now.UserID, Raised: is, At: at})
}
