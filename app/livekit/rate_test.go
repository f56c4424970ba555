package livekit

import (
	"testing"

	"confer/app"
)

// The encoders get the estimate less the microphone's share and what
// retransmissions take lately, but never less than half of what is left
// for video: at a bottleneck, encoders given the whole estimate offer
// their own rate plus the repairs of what the link drops.
func TestTheEncodersShareLeavesRoomForRetransmissions(t *testing.T) {
	var got int
	s := &session{}
	s.pubs[app.SourceCamera] = &published{setRate: func(kbps int) { got = kbps }}
	s.pubs[app.SourceMicrophone] = &published{}
	for _, c := range []struct{ estimate, resent, want int }{
		{600, 0, 600 - audioKbps},
		{600, 100, 600 - audioKbps - 100},
		{600, 400, (600 - audioKbps) - (600-audioKbps)/2},
	} {
		s.shareUplink(c.estimate, c.resent)
		if got != c.want {
			t.Errorf("estimate %d, %d resent: the camera got %d kbit/s, want %d", c.estimate, c.resent, got, c.want)
		}
	}
}

// The estimate's bound is what the sources send at most and the
// retransmissions they take, so that under loss the encoders' share,
// which leaves the retransmissions room, can still be their full rate.
func TestTheEstimatesBoundLeavesRoomForRetransmissions(t *testing.T) {
	s := &session{}
	if got := s.boundKbps(300); got != 0 {
		t.Errorf("nothing published: bound %d, want none (0)", got)
	}
	s.pubs[app.SourceCamera] = &published{setRate: func(int) {}, nominal: 2250}
	s.pubs[app.SourceMicrophone] = &published{}
	if got, want := s.boundKbps(300), 2250+audioKbps+300; got != want {
		t.Errorf("bound %d kbit/s, want %d", got, want)
	}
	var share int
	s.pubs[app.SourceCamera].setRate = func(kbps int) { share = kbps }
	s.shareUplink(s.boundKbps(300), 300)
	if share != 2250 {
		t.Errorf("at the bound the camera got %d kbit/s, want its full 2250", share)
	}
}
