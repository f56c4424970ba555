package livekit

import (
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
)

// How a dead link is noticed and when the call gives up on it. LiveKit's Go
// SDK sends no signal pings and declares ICE failed only after 15 s, then
// retries for over a minute; a person wants to see at once that the call
// froze, and a clear end when it will not come back.
const (
	// stallAfter without any packet while media is expected: reconnecting.
	stallAfter = 2500 * time.Millisecond
	// giveUpAfter reconnecting (ours or the SDK's): disconnected.
	giveUpAfter  = 15 * time.Second
	livenessTick = 250 * time.Millisecond
	// While reconnecting, the server's port is probed this often; refused
	// twice means nothing listens there any more: the server is gone (a
	// dead network times out instead). LiveKit may ask clients to reconnect
	// when it shuts down, which is right in a cluster and futile alone.
	probeEvery   = time.Second
	probeTimeout = 500 * time.Millisecond
)

// liveness is the evidence that the link works: when the last RTP packet on
// a subscribed track or RTCP packet for a published one arrived.
type liveness struct {
	lastRx        atomic.Int64 // unix nanoseconds
	unmutedRemote atomic.Int32 // remote tracks that should be sending
}

func (l *liveness) noteRx() { l.lastRx.Store(time.Now().UnixNano()) }

// expectsMedia tells whether silence means trouble: someone should be
// sending to us, or we publish and the server reports on it.
func (s *session) expectsMedia() bool {
	if s.live.unmutedRemote.Load() > 0 {
		return true
	}
	return s.publishing()
}

// livenessLoop turns evidence into connected/reconnecting, and gives up.
func (s *session) livenessLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(livenessTick)
	defer tick.Stop()
	reconnecting := false
	var since, probed time.Time // when reconnecting began, when last probed
	refused := 0
	for {
		select {
		case <-s.quit:
			return
		case now := <-tick.C:
			if !s.joined.Load() || s.isLost.Load() {
				continue
			}
			last := time.Unix(0, s.live.lastRx.Load())
			stalled := s.expectsMedia() && now.Sub(last) > stallAfter
			// The SDK's own state, read rather than trusted to callbacks:
			// its reconnecting callback was seen not to come.
			sdkReconnecting := s.room.ConnectionState() == lksdk.ConnectionStateReconnecting
			want := stalled || sdkReconnecting
			if want != reconnecting {
				reconnecting, since = want, now
				state := app.Connected
				if want {
					state = app.Reconnecting
				}
				s.emit(app.LinkChanged{State: state})
				if !want {
					s.markDirty() // report who came and went meanwhile
				}
			}
			if !reconnecting {
				refused = 0
				continue
			}
			if now.Sub(probed) >= probeEvery {
				probed = now
				if s.serverRefuses() {
					refused++
				} else {
					refused = 0
				}
			}
			switch {
			case refused >= 2:
				s.giveUp(ErrServerGone)
				return
			case now.Sub(since) > giveUpAfter:
				s.giveUp(ErrConnectionLost)
				return
			}
		}
	}
}

// serverRefuses tells whether the server's host answers that nothing
// listens on its port.
func (s *session) serverRefuses() bool {
	c, err := net.DialTimeout("tcp", app.HostPort(s.url), probeTimeout)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// giveUp ends a session whose link stayed dead, as if the server had. The
// call hears it first: the SDK's Disconnect can wait behind its own
// reconnect attempts.
func (s *session) giveUp(why error) {
	s.lost.Do(func() {
		s.isLost.Store(true)
		s.emit(app.LinkLost{Err: why})
		s.stopPublishing()
		s.room.Disconnect()
	})
}
