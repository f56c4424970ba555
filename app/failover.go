package app

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
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

// failoverDone is what a rejoin through another node came to.
type failoverDone struct {
	gen int
	url string
	err error
}

// noteNodes keeps the other nodes, to fail over to. Once a call knows its
// server is a cluster it stays so: a directory read while another node
// stops may list this node alone, and this node may still take the call
// back when only the room's node went.
func (l *loop) noteNodes(urls []string) {
	l.nodes = slices.DeleteFunc(slices.Clone(urls), func(u string) bool { return u == "" || u == l.params.ServerURL })
	l.link.cluster = l.link.cluster || len(l.nodes) > 0
	l.c.log.Debug("cluster nodes", "user", l.params.UserID, "current", l.params.ServerURL, "others", l.nodes)
}

// startFailover rejoins through the cluster. The session's generation
// moves on so that nothing the old one reports counts, while the roster and
// the sources' wishes stay. The node the call was on is tried first: when
// only the room's node went, it is alive and hosts the room anew; when it
// went itself, it refuses at once. Then the others, in the order its
// directory gave.
func (l *loop) startFailover() {
	urls := append([]string{l.params.ServerURL}, l.nodes...)
	l.gen++
	l.sources.rejoin()
	ctx, cancel := context.WithTimeout(context.Background(), l.link.rules.RejoinFor)
	l.cancelFailover()
	l.failoverCancel = cancel
	gen, inbox, t, p, log := l.gen, l.c.inbox, l.c.t, l.params, l.c.log
	post := func(s Signal) { inbox.put(sessionSignal{gen: gen, sig: s}) }
	log.Info("the room server's node went: rejoining through the cluster", "user", p.UserID, "nodes", urls)
	l.c.work.queue(func() {
		defer cancel()
		url, err := rejoin(ctx, t, p, urls, post, log)
		inbox.put(failoverDone{gen: gen, url: url, err: err})
	})
}

// rejoin connects through the first node of urls that takes the call,
// round after round, until ctx ends.
func rejoin(ctx context.Context, t Transport, p JoinParams, urls []string, post func(Signal), log *slog.Logger) (string, error) {
	var err error
	p.Rejoin = true
	for {
		for _, url := range urls {
			p.ServerURL = url
			attempt, cancel := context.WithTimeout(ctx, attemptTimeout)
			t0 := time.Now()
			t.Disconnect()
			t1 := time.Now()
			err = t.Connect(attempt, p, post)
			cancel()
			log.Debug("rejoin attempt", "user", p.UserID, "node", url, "disconnect", t1.Sub(t0), "connect", time.Since(t1))
			if err == nil || ctx.Err() != nil {
				return url, err
			}
			log.Info("rejoin failed", "user", p.UserID, "node", url, "err", err)
		}
		select {
		case <-ctx.Done():
			return "", cmp.Or(err, ctx.Err())
		case <-time.After(roundPause):
		}
	}
}

// failoverDone carries on after a rejoin: on the new node, the sources
// that were on are published again.
func (l *loop) failoverDone(m failoverDone) {
	if m.gen != l.gen {
		return // left, or given up, meanwhile
	}
	l.failoverCancel = nil
	if m.err == nil {
		// Until the new node's directory answers, the one left is an
		// alternate too: it may have lost only the room.
		was := l.params.ServerURL
		l.params.ServerURL = m.url
		l.noteNodes(append(l.nodes, was))
	}
	l.linkInput(linkFailedOver{err: m.err})
	if m.err == nil {
		for _, src := range LocalSources {
			l.reconcile(src)
		}
	}
}

// cancelFailover stops a rejoin under way (the person left).
func (l *loop) cancelFailover() {
	if l.failoverCancel != nil {
		l.failoverCancel()
		l.failoverCancel = nil
	}
}
