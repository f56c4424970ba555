package synth

import (
	"testing"
	"time"
)

func TestChimeIsShortAudibleAndClickFree(t *testing.T) {
	pcm := Chime(48000, 90*time.Millisecond, 0.3, 660, 880)
	if len(pcm) != 2*4320 {
		t.Fatalf("%d samples", len(pcm))
	}
	if rms := RMS(pcm); rms < 0.03 || rms > 0.3 {
		t.Errorf("RMS %.3f", rms)
	}
	for _, i := range []int{0, len(pcm)/2 - 1, len(pcm) / 2, len(pcm) - 1} {
		if pcm[i] > 300 || pcm[i] < -300 {
			t.Errorf("sample %d is %d: a note starts or ends with a click", i, pcm[i])
		}
	}
	if f := DominantFrequency(pcm[:4320], 48000); f < 640 || f > 680 {
		t.Errorf("first note at %.0f Hz", f)
	}
}
