package app

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
)

// loop is the state the call's goroutine owns, and nothing else touches.
type loop struct {
	c      *Call
	link   link
	gen    int        // the current session; bumped when one ends
	join   *cmdJoin   // the join under way, if any
	params JoinParams // of the current call; its server URL follows a failover
	// nodes are the other nodes of the server's cluster, not yet tried
	// (failover.go); failoverCancel stops a rejoin under way.
	nodes          []string
	failoverCancel context.CancelFunc
	// rejoining holds what a rejoin's attempts post (held) until the one
	// that took the call (attempt) is known.
	rejoining bool
	held      []sessionSignal
	attempt   int
	latest    []Participant
	roster    *roster // what has been reported
	speakers  speakers
	sources   sources
	ticker    Ticker     // runs while in a call: the link is re-evaluated
	voice     bool       // the person is speaking (the transport's voice detector)
	mutedTalk bool       // MutedSpeech{Speaking: true} is what was reported last
	crypt     encryption // end-to-end encryption of this session (e2ee.go)
	// The meeting around the video: chat waiting to go out and the IDs of
	// chat received (chat.go), this participant's hand (hands.go),
	// reactions' rate limits (reactions.go).
	chat     outbox
	chatSeen map[string]struct{}
	unnamed  []heldChat // received before the roster named their senders
	hand     hand
	reacts   reactions
	out      []Event
}

func (c *Call) run() {
	defer close(c.done)
	defer close(c.events)
	l := &loop{c: c, link: link{rules: c.rules}, roster: newRoster(), chatSeen: map[string]struct{}{}}
	defer l.stopTicker()
	for {
		var send chan Event
		var head Event
		if len(l.out) > 0 {
			send, head = c.events, l.out[0]
		}
		var tick <-chan time.Time
		if l.ticker != nil {
			tick = l.ticker.C()
		}
		select {
		case <-c.inbox.wake:
			for _, m := range c.inbox.take() {
				if !l.handle(m) {
					return
				}
			}
		case send <- head:
			l.out[0] = nil
			l.out = l.out[1:]
		case <-tick:
			l.linkInput(linkTick{})
			l.flushChat() // a message that failed is tried again
			l.showHeldChat(false)
		}
	}
}

func (l *loop) emit(ev ...Event) {
	l.out = append(l.out, ev...)
	l.checkMutedSpeech()
}

// checkMutedSpeech reports speaking into a muted microphone when it
// starts or ends (the microphone unmuted, the person quiet, the call over).
func (l *loop) checkMutedSpeech() {
	now := l.voice && l.link.state.InCall() && !l.sources[SourceMicrophone].wanted
	if now != l.mutedTalk {
		l.mutedTalk = now
		l.out = append(l.out, MutedSpeech{Speaking: now})
	}
}

// handle applies one message; false means the call is closing.
func (l *loop) handle(m any) bool {
	switch m := m.(type) {
	case cmdJoin:
		l.startJoin(m)
	case joinDone:
		l.joinDone(m)
	case failoverDone:
		l.failoverDone(m)
	case cmdLeave:
		l.leave(m.reply)
	case leaveDone:
		for _, r := range m.replies {
			close(r)
		}
	case cmdClose:
		return false
	case cmdSnapshot:
		m.reply <- l.snapshot()
	case cmdSource:
		if l.sources.ask(m) {
			l.emit(l.sources.event(m.src))
		}
		l.reconcile(m.src)
	case sourceDone:
		l.sourceDone(m)
	case cmdReconfigure:
		l.reconfigure(m.src, m.apply)
	case reconfigureDone:
		if m.gen == l.gen {
			l.sourceLost(m.src, m.err)
		}
	case cmdTransport:
		l.c.work.queue(func() { m.apply(l.c.t) })
	case cmdChat:
		l.sendChat(m.msg)
	case chatDone:
		l.chatDone(m)
	case cmdHand:
		l.raiseHand(m.raised)
	case cmdReact:
		l.react(m.emoji)
	case sessionSignal:
		l.sessionSignal(m)
	case func(*loop):
		m(l) // tests run code on the loop to mark a point in the events
	}
	return true
}

func (l *loop) startJoin(m cmdJoin) {
	if l.link.state == Joining || l.link.state.InCall() {
		m.cancel()
		m.reply <- ErrAlreadyJoined
		return
	}
	l.gen++
	l.join = &m
	l.params = m.params
	l.nodes, l.link.cluster, l.attempt = nil, false, 0
	l.latest = nil
	for src, on := range map[Source]bool{SourceCamera: m.params.Camera, SourceMicrophone: m.params.Microphone} {
		if l.sources.ask(cmdSource{src: src, on: on}) {
			l.emit(l.sources.event(src))
		}
	}
	l.linkInput(linkJoinStarted{})
	gen, inbox, t := l.gen, l.c.inbox, l.c.t
	post := func(s Signal) { inbox.put(sessionSignal{gen: gen, sig: s}) }
	l.c.work.queue(func() {
		err := t.Connect(m.ctx, m.params, post)
		inbox.put(joinDone{gen: gen, err: err})
	})
}

func (l *loop) joinDone(m joinDone) {
	j := l.join
	if m.gen != l.gen || j == nil {
		return // left meanwhile: the leave's Disconnect follows the Connect
	}
	l.join = nil
	j.cancel()
	if m.err != nil {
		l.c.log.Info("join failed", "err", m.err)
		l.linkInput(linkJoinFailed{err: m.err})
		j.reply <- m.err
		return
	}
	l.linkInput(linkJoined{})
	j.reply <- nil
	for _, src := range LocalSources {
		l.reconcile(src)
	}
}

// leave ends the session or cancels the join; reply is closed once the
// transport has let go of everything.
func (l *loop) leave(reply chan<- struct{}) {
	if j := l.join; j != nil {
		l.join = nil
		j.cancel()
		j.reply <- ErrJoinCancelled
	}
	l.cancelFailover()
	l.linkInput(linkLeft{})
	t, inbox := l.c.t, l.c.inbox
	l.c.work.queue(func() {
		t.Disconnect()
		inbox.put(leaveDone{replies: []chan<- struct{}{reply}})
	})
}

// reconcile hands a source's next job to the worker, if it needs one.
func (l *loop) reconcile(src Source) {
	if !l.link.state.InCall() {
		return
	}
	on, device, ok := l.sources.due(src)
	if !ok {
		return
	}
	gen, inbox, t := l.gen, l.c.inbox, l.c.t
	l.c.work.queue(func() {
		err := t.SetSource(src, on, device)
		inbox.put(sourceDone{gen: gen, src: src, on: on, err: err})
	})
}

func (l *loop) sourceDone(m sourceDone) {
	if m.gen != l.gen {
		return // that session is gone, and its sources with it
	}
	l.sources.done(m.src, m.on, m.err)
	if m.err != nil {
		l.c.log.Warn("source", "source", m.src, "on", m.on, "err", m.err)
		if m.on {
			l.emit(DeviceError{Source: m.src, Err: m.err})
		}
	}
	l.emit(l.sources.event(m.src))
	l.reconcile(m.src)
}

// reconfigure queues a change of how a source is captured or coded. A
// source that is on restarts; if it cannot, it is off and the owner hears
// why.
func (l *loop) reconfigure(src Source, apply func(Transport) error) {
	gen, inbox, t := l.gen, l.c.inbox, l.c.t
	l.c.work.queue(func() {
		if err := apply(t); err != nil {
			inbox.put(reconfigureDone{gen: gen, src: src, err: err})
		}
	})
}

// sourceLost turns a source off that stopped or could not restart, and
// has the transport take it off the air, in order with everything else.
func (l *loop) sourceLost(src Source, err error) {
	l.sources.ended(src)
	t := l.c.t
	l.c.work.queue(func() { _ = t.SetSource(src, false, "") })
	if l.link.state.InCall() {
		l.emit(DeviceError{Source: src, Err: err})
	}
	l.emit(l.sources.event(src))
}

// signal applies what the transport of the current session reported.
func (l *loop) signal(sig Signal) {
	switch s := sig.(type) {
	case RosterChanged:
		l.latest = s.Participants
		if l.link.state == Connected {
			l.out = l.roster.apply(l.latest, l.out)
			l.out = l.crypt.flush(l.roster.reported, l.out)
			l.showHeldChat(false)
		}
	case CallEncryption:
		l.crypt.local = s.Encrypted
		if l.link.state == Connected {
			l.out = l.crypt.announce(l.out)
		}
	case RemoteEncryption:
		l.crypt.note(s)
		if l.link.state == Connected {
			l.out = l.crypt.flush(l.roster.reported, l.out)
		}
	case UserDeparting:
		l.roster.departing[s.UserID] = s.Reason
	case LinkSample, LinkLost, ServerProbed:
		l.linkInput(s)
	case SourceEnded:
		l.sourceLost(s.Source, s.Err)
	case NetworkQuality:
		if l.link.state == Connected {
			l.emit(s)
		}
	case LocalVoice:
		l.voice = s.Speaking
		l.checkMutedSpeech()
	case ClusterNodes:
		l.noteNodes(s.URLs)
	case UplinkEstimate:
		if l.link.state.InCall() {
			l.emit(UplinkChanged{EstimateKbps: s.Kbps})
		}
	case LevelsMeasured:
		if l.link.state == Connected {
			l.emit(l.speakers.apply(s))
		}
	default:
		l.meetingSignal(sig)
	}
}

// meetingSignal applies what the transport reported of chat, hands,
// reactions and the host's actions.
func (l *loop) meetingSignal(sig Signal) {
	switch s := sig.(type) {
	case ChatArrived:
		l.chatArrived(s)
	case ReactionArrived:
		l.reactionArrived(s)
	case LocalAttributes:
		l.localAttributes(s.Attributes)
	case SourceMutedRemotely:
		l.mutedRemotely(s.Source)
	}
}

// mutedRemotely turns a source off that the host muted: the person sees
// it off and why, and unmutes it themselves if they want.
func (l *loop) mutedRemotely(src Source) {
	if !l.link.state.InCall() || !l.sources[src].wanted {
		return
	}
	if l.sources.ask(cmdSource{src: src, on: false}) {
		l.emit(l.sources.event(src))
	}
	l.emit(MutedByHost{Source: src})
	l.reconcile(src)
}

// linkInput feeds the connection state machine and carries out its step.
func (l *loop) linkInput(in any) {
	var step linkStep
	l.link, step = l.link.step(in, l.c.clock.Now())
	if step.kick != nil {
		l.emit(KickedOut{Reason: *step.kick})
	}
	if step.changed {
		l.entered(l.link.state, step.err)
	}
	if step.probe {
		l.c.t.ProbeServer()
	}
	if step.failover {
		l.startFailover()
	}
	if step.teardown {
		l.cancelFailover()
		l.c.work.queue(l.c.t.Disconnect)
	}
}

// entered reports a new state and does what comes with it.
func (l *loop) entered(to ConnectionState, err error) {
	l.emit(StateChanged{State: to, Err: err})
	switch to {
	case Connected:
		l.startTicker()
		// Report what really changed while joining or during an outage, once.
		l.out = l.crypt.announce(l.out)
		l.out = l.roster.apply(l.latest, l.out)
		l.out = l.crypt.flush(l.roster.reported, l.out)
		if l.hand.raised {
			l.pushHand()
		}
		l.flushChat()
	case Idle, Disconnected:
		l.endSession()
	}
}

// endSession forgets a session that ended: later signals from it are
// stale, its people and sources gone without being reported one by one.
func (l *loop) endSession() {
	l.stopTicker()
	l.gen++
	l.rejoining, l.held = false, nil
	l.roster.reset()
	l.latest = nil
	l.speakers = speakers{}
	l.crypt = encryption{}
	l.failChat()
	l.showHeldChat(true)
	clear(l.chatSeen)
	l.hand = hand{}
	l.reacts = reactions{}
	l.voice = false
	before := l.sources
	l.sources.leave()
	for _, src := range LocalSources {
		if before.event(src) != l.sources.event(src) {
			l.emit(l.sources.event(src))
		}
	}
}

func (l *loop) startTicker() {
	if l.ticker == nil && l.link.rules.Tick > 0 {
		l.ticker = l.c.clock.NewTicker(l.link.rules.Tick)
	}
}

func (l *loop) stopTicker() {
	if l.ticker != nil {
		l.ticker.Stop()
		l.ticker = nil
	}
}

func (l *loop) snapshot() Snapshot {
	users := make([]Participant, 0, len(l.roster.reported))
	for _, p := range l.roster.reported {
		p.Tracks = slices.Clone(p.Tracks)
		p.Attributes = maps.Clone(p.Attributes)
		users = append(users, p)
	}
	slices.SortFunc(users, func(a, b Participant) int { return strings.Compare(a.UserID, b.UserID) })
	s := Snapshot{State: l.link.state, Users: users, Encrypted: l.crypt.announced, Encryption: l.crypt.snapshot(),
		HandRaised: l.hand.raised}
	for _, src := range LocalSources {
		s.Sources[src] = l.sources.event(src)
	}
	return s
}
