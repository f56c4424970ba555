package livekit

import (
	"testing"

	"github.com/pion/webrtc/v4"
)

// RED is used only where the answer carries RED of the negotiated Opus
// alone; anything else goes as plain Opus.
func TestREDOnlyOfTheNegotiatedOpus(t *testing.T) {
	opus := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, PayloadType: 111}
	redOf111 := webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: "audio/RED", ClockRate: 48000, Channels: 2, SDPFmtpLine: "111/111"}, PayloadType: 63}
	redOf109 := redOf111
	redOf109.SDPFmtpLine = "109/109"
	mixed := redOf111
	mixed.SDPFmtpLine = "111/0"
	for _, tc := range []struct {
		name   string
		codecs []webrtc.RTPCodecParameters
		want   bool
	}{
		{"RED of Opus", []webrtc.RTPCodecParameters{redOf111, opus}, true},
		{"Opus alone", []webrtc.RTPCodecParameters{opus}, false},
		{"RED of another payload type", []webrtc.RTPCodecParameters{redOf109, opus}, false},
		{"RED of Opus and PCMU", []webrtc.RTPCodecParameters{mixed, opus}, false},
		{"RED without Opus", []webrtc.RTPCodecParameters{redOf111}, false},
	} {
		c, pt, ok := redOf(tc.codecs)
		if ok != tc.want || ok && (pt != 111 || c.PayloadType != 63) {
			t.Errorf("%s: RED %v (payload type %d, Opus %d); want %v", tc.name, ok, c.PayloadType, pt, tc.want)
		}
	}
}
