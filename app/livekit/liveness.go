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

// sampleEvery is how often the link evidence is sent to the call, which
// judges it: often enough that 2.5 s of silence is noticed within a tick.
const sampleEvery = 250 * time.Millisecond

// probeTimeout bounds one probe of the server's port.
const probeTimeout = 500 * time.Millisecond

// liveness is the evidence that the link works: when the last RTP packet on
// a subscribed track or RTCP packet for a published one arrived.
type liveness struct {
	joined        atomic.Bool
	lastRx        atomic.Int64 // unix nanoseconds
	unmutedRemote atomic.Int32 // remote tracks that should be sending
}

func (l *liveness) noteRx() { l.lastRx.Store(time.Now().UnixNano()) }

// sample reads the evidence now. It decides nothing.
func (s *session) sample() app.LinkSample {
	return app.LinkSample{
		LastMedia:       time.Unix(0, s.live.lastRx.Load()),
		ExpectsMedia:    s.live.unmutedRemote.Load() > 0 || s.publishing(),
		SDKReconnecting: s.room.ConnectionState() == lksdk.ConnectionStateReconnecting,
	}
}

// sampleNow posts the evidence at once (an SDK callback said something).
func (s *session) sampleNow() {
	if s.live.joined.Load() {
		s.emit(s.sample())
	}
}

// sampleLoop posts the evidence a few times a second. The SDK's state is
// read rather than trusted to its callbacks: its reconnecting callback was
// seen not to come.
func (s *session) sampleLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tick.C:
			s.sampleNow()
		}
	}
}

// probe checks in the background whether the server's host answers that
// nothing listens on its port, and posts the answer. One probe at a time.
func (s *session) probe() {
	if !s.probing.CompareAndSwap(false, true) {
		return
	}
	if !s.goTracked(func() {
		defer s.probing.Store(false)
		s.emit(app.ServerProbed{Refused: refuses(app.HostPort(s.url))})
	}) {
		s.probing.Store(false)
	}
}

func refuses(hostPort string) bool {
	c, err := net.DialTimeout("tcp", hostPort, probeTimeout)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}
