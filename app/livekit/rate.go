package livekit

import (
	"time"

	"confer/app"
)

// rateEvery is how often the uplink estimate is shared out among the
// video pipelines: GCC revises it a few times a second.
const rateEvery = 200 * time.Millisecond

// audioKbps is what a microphone takes of the uplink (Opus at 32 kbit/s
// plus packet overhead); it is not paced, so the video's share leaves room.
const audioKbps = 45

// rateLoop steers the video encoders by the uplink estimate and reports
// the estimate to the call now and then.
func (s *session) rateLoop() {
	defer s.wg.Done()
	tick := time.NewTicker(rateEvery)
	defer tick.Stop()
	var told int
	var toldAt time.Time
	for {
		select {
		case <-s.quit:
			return
		case now := <-tick.C:
			resent := s.up.resentRate() / 1000
			bps, ok := s.up.estimate(s.boundKbps(resent) * 1000)
			if !ok {
				continue
			}
			kbps := bps / 1000
			s.shareUplink(kbps, resent)
			if changedMuch(told, kbps) || now.Sub(toldAt) >= time.Second {
				told, toldAt = kbps, now
				s.t.config().Log.Debug("uplink estimate", "kbps", kbps)
				s.emit(app.UplinkEstimate{Kbps: kbps})
			}
		}
	}
}

// usableKbps is the most the published sources send (kbit/s): what they
// are configured for, and the microphone's share. 0 with nothing published.
func (s *session) usableKbps() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for src, p := range s.pubs {
		switch {
		case p == nil:
		case app.Source(src) == app.SourceMicrophone:
			total += audioKbps
		default:
			total += p.nominal
		}
	}
	return total
}

// boundKbps is the most the estimate may be (kbit/s; 0: no bound): what
// the published sources send at most, and the retransmissions they take
// lately (resentKbps), which the encoders' share leaves room for. Bound to
// the sources alone, a sender behind 30 % loss gave its encoders some
// 1.5 Mbit/s of their 2.25 and stopped its full layer, with a fast link.
func (s *session) boundKbps(resentKbps int) int {
	usable := s.usableKbps()
	if usable == 0 {
		return 0
	}
	return usable + resentKbps
}

func changedMuch(a, b int) bool { return b < a*9/10 || b > a*11/10 }

// shareUplink divides the estimate between camera and screen, less what
// retransmissions (resentKbps, lately) take of it. A shared screen is
// what people are looking at: it gets up to 60 % of the rate, the camera
// the rest. Both pipelines get their share every time, so one restarted
// since (new device, new quality) is steered at once.
func (s *session) shareUplink(kbps, resentKbps int) {
	s.mu.Lock()
	cam, scr, mic := s.pubs[app.SourceCamera], s.pubs[app.SourceScreen], s.pubs[app.SourceMicrophone]
	s.mu.Unlock()
	video := kbps
	if mic != nil {
		video -= audioKbps
	}
	// Retransmissions leave through the same pacer within the same
	// estimate: encoders given all of it offer their rate plus the repairs
	// of what a bottleneck drops, which it drops in turn. libwebrtc, too,
	// gives its encoders the target less what protection (NACK, FEC) is
	// measured to take; half is kept for the picture.
	video -= min(resentKbps, video/2)
	video = max(video, 1)
	switch {
	case cam != nil && scr != nil:
		share := min(scr.nominal, video*6/10)
		scr.setRate(share)
		cam.setRate(max(video-share, 1))
	case cam != nil:
		cam.setRate(video)
	case scr != nil:
		scr.setRate(video)
	}
}
