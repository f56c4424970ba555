package app

import (
	"slices"
	"strings"
)

// loopState is owned by the loop goroutine alone.
type loopState struct {
	conn     ConnectionState
	latest   []Participant // newest roster from the transport
	roster   *roster       // what has been reported
	speakers speakers
}

func (c *Call) run() {
	defer close(c.done)
	defer close(c.events)
	st := &loopState{roster: newRoster()}
	var out []Event
	for {
		var send chan Event
		var head Event
		if len(out) > 0 {
			send, head = c.events, out[0]
		}
		select {
		case <-c.inbox.wake:
			for _, m := range c.inbox.take() {
				out = st.handle(m, out)
			}
		case send <- head:
			out[0] = nil
			out = out[1:]
		case <-c.quit:
			return
		}
	}
}

func (st *loopState) handle(m any, out []Event) []Event {
	switch m := m.(type) {
	case msgJoining:
		st.latest = nil
		return st.setConn(Connecting, nil, out)
	case msgJoined:
		out = st.setConn(Connected, nil, out)
		return st.roster.apply(st.latest, out)
	case msgEnded:
		return st.end(nil, m.err, out)
	case msgSnapshot:
		m.reply <- st.snapshot()
	case RosterChanged:
		st.latest = m.Participants
		if st.conn == Connected {
			out = st.roster.apply(st.latest, out)
		}
	case UserDeparting:
		st.roster.departing[m.UserID] = m.Reason
	case LinkChanged:
		if st.conn == Disconnected || st.conn == Connecting {
			return out // only a joined call reconnects
		}
		out = st.setConn(m.State, nil, out)
		if m.State == Connected {
			// Report what really changed during the outage, once.
			out = st.roster.apply(st.latest, out)
		}
	case LinkLost:
		return st.end(m.Kick, m.Err, out)
	case NetworkQuality:
		if st.conn == Connected {
			out = append(out, m)
		}
	case DeviceError:
		if st.conn == Connected || st.conn == Reconnecting {
			out = append(out, m)
		}
	case LevelsMeasured:
		if st.conn == Connected {
			out = append(out, st.speakers.apply(m))
		}
	}
	return out
}

func (st *loopState) setConn(s ConnectionState, err error, out []Event) []Event {
	if st.conn == s && err == nil {
		return out
	}
	st.conn = s
	return append(out, StateChanged{State: s, Err: err})
}

// end reports the end of a session once, whichever way it ended.
func (st *loopState) end(kick *KickReason, err error, out []Event) []Event {
	if st.conn == Disconnected {
		return out
	}
	if kick != nil {
		out = append(out, KickedOut{Reason: *kick})
	}
	st.roster.reset()
	st.latest = nil
	st.speakers = speakers{}
	return st.setConn(Disconnected, err, out)
}

func (st *loopState) snapshot() Snapshot {
	users := make([]Participant, 0, len(st.roster.reported))
	for _, p := range st.roster.reported {
		p.Tracks = slices.Clone(p.Tracks)
		users = append(users, p)
	}
	slices.SortFunc(users, func(a, b Participant) int { return strings.Compare(a.UserID, b.UserID) })
	return Snapshot{State: st.conn, Users: users}
}
