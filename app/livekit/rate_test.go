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
