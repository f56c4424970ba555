package app

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// A room server can be a cluster of nodes sharing one Redis (confer serve
// --redis). When the node a call talks to stops, the call rejoins through
// another node of the cluster with the same room, identity and token,
// without leaving: it shows "reconnecting" meanwhile, the people in the
// call stay on screen, and the camera, microphone and screen share that
// were on come back on. LiveKit replaces the old participant with the
// rejoined one at once, so the others see the picture come back within
// seconds instead of it freezing until the dead session times out.

// A rejoin tries every node in turn, each for at most attemptTimeout, and
// goes round again after roundPause until LinkRules.RejoinFor. Each try
// first waits for the cluster to stop placing the room on a node that is
// shutting down (JoinParams.Rejoin): until that node has closed the room,
// joins are still routed to it and hang for LiveKit's signal relay timeout
// (7.5 s), and the SDK's join does not stop at its context's deadline.
const (
	attemptTimeout = 4 * time.Second
	roundPause     = 300 * time.Millisecond
)

// ClusterNodes reports the URLs of the nodes of the server's cluster,
// this session's own included. The transport asks once connected;
// servers that keep no directory report nothing.
type ClusterNodes struct {
	URLs []string
}

func (ClusterNodes) isSignal() {}

// failoverDone is what a rejoin through another node came to: the node
// and the attempt that took the call, or the last error.
type failoverDone struct {
	gen     int
	url     string
	attempt int
	err     error
}

// noteNodes keeps the other nodes, to fail over to. Once a call knows its
// server is a cluster it stays so: a directory read while another node
// stops may list this node alone, and this node may still take the call
// back when only the room's node went. A call that came in over wss://
// never fails over to a ws:// node: its token or password would cross in
// the clear.
func (l *loop) noteNodes(urls []string) {
	secure := strings.HasPrefix(l.params.ServerURL, "wss://")
	l.nodes = slices.DeleteFunc(slices.Clone(urls), func(u string) bool {
		return u == "" || u == l.params.ServerURL || secure && !strings.HasPrefix(u, "wss://")
	})
	l.link.cluster = l.link.cluster || len(l.nodes) > 0
	l.c.log.Debug("cluster nodes", "user", l.params.UserID, "current", l.params.ServerURL, "others", l.nodes)
}

// startFailover rejoins through the cluster. The session's generation
// moves on so that nothing the old one reports counts, while the roster,
// the chat outbox and the sources' wishes stay. The node the call was on is
// tried first: when only the room's node went, it is alive and hosts the
// room anew; when it went itself, it refuses at once. Then the others, in
// the order its directory gave.
//
// Each attempt posts under its own number. What attempts post is held until
// the rejoin is done; then only the one that took the call counts (a failed
// attempt's session may have reported its own loss on the way out).
func (l *loop) startFailover() {
	urls := append([]string{l.params.ServerURL}, l.nodes...)
	l.gen++
	l.sources.rejoin()
	l.chat.busy = false // its job's answer is the old session's: sent again on the new one
	l.held, l.rejoining = nil, true
	ctx, cancel := context.WithCancel(context.Background())
	l.cancelFailover()
	l.failoverCancel = cancel
	gen, inbox, t, p, log, within := l.gen, l.c.inbox, l.c.t, l.params, l.c.log, l.link.rules.RejoinFor
	postFor := func(attempt int) func(Signal) {
		return func(s Signal) { inbox.put(sessionSignal{gen: gen, attempt: attempt, sig: s}) }
	}
	log.Info("the room server's node went: rejoining through the cluster", "user", p.UserID, "nodes", urls)
	l.c.work.queue(func() {
		// The time counts from here: a job before this one may have
		// waited on the node that went.
		ctx, cancelTime := context.WithTimeout(ctx, within)
		defer cancelTime()
		defer cancel()
		url, attempt, err := rejoin(ctx, t, p, urls, postFor, log)
		inbox.put(failoverDone{gen: gen, url: url, attempt: attempt, err: err})
	})
}

// rejoin connects through the first node of urls that takes the call,
// round after round, until ctx ends. Attempts are numbered from 1.
func rejoin(ctx context.Context, t Transport, p JoinParams, urls []string, postFor func(int) func(Signal), log *slog.Logger) (string, int, error) {
	var err error
	p.Rejoin = true
	for attempt := 1; ; {
		for _, url := range urls {
			p.ServerURL = url
			try, cancel := context.WithTimeout(ctx, attemptTimeout)
			t.Disconnect()
			err = t.Connect(try, p, postFor(attempt))
			cancel()
			if err == nil || ctx.Err() != nil {
				return url, attempt, err
			}
			log.Info("rejoin failed", "user", p.UserID, "node", url, "err", err)
			attempt++
		}
		select {
		case <-ctx.Done():
			return "", 0, cmp.Or(err, ctx.Err())
		case <-time.After(roundPause):
		}
	}
}

// failoverDone carries on after a rejoin: what the attempt that took the
// call reported counts, and on the new node the sources that were on are
// published again.
func (l *loop) failoverDone(m failoverDone) {
	if m.gen != l.gen {
		return // left, or given up, meanwhile
	}
	l.failoverCancel = nil
	held := l.held
	l.held, l.rejoining, l.attempt = nil, false, m.attempt
	if m.err == nil {
		// Until the new node's directory answers, the one left is an
		// alternate too: it may have lost only the room.
		was := l.params.ServerURL
		l.params.ServerURL = m.url
		l.noteNodes(append(l.nodes, was))
		for _, h := range held {
			l.sessionSignal(h)
		}
	}
	l.linkInput(linkFailedOver{err: m.err})
	if m.err == nil {
		for _, src := range LocalSources {
			l.reconcile(src)
		}
	}
}

// sessionSignal applies a signal of the current session; during a rejoin
// it is held until the attempt that took the call is known.
func (l *loop) sessionSignal(m sessionSignal) {
	switch {
	case m.gen != l.gen:
	case l.rejoining:
		l.held = append(l.held, m)
	case m.attempt == l.attempt:
		l.signal(m.sig)
	}
}

// cancelFailover stops a rejoin under way (the person left).
func (l *loop) cancelFailover() {
	if l.failoverCancel != nil {
		l.failoverCancel()
		l.failoverCancel = nil
	}
}
