package synth

import (
	"testing"
	"time"
)

func TestEchoLevelFindsACopyAtItsLevelAndDelay(t *testing.T) {
	sent := speechOrSkip(t, 10*time.Second, 0)
	received := make([]int16, len(sent))
	delay := 200 * 48 // 200 ms
	for i := delay; i < len(received); i++ {
		received[i] = int16(float64(sent[i-delay]) * 0.5) // -6 dB
	}
	db, lag, ok := EchoLevel(sent, received, 48000, time.Second)
	if !ok || db < -6.5 || db > -5.5 || lag != 200*time.Millisecond {
		t.Fatalf("got %.2f dB at %v (ok %v); want -6 dB at 200ms", db, lag, ok)
	}
	silence := make([]int16, len(sent))
	if db, _, ok := EchoLevel(sent, silence, 48000, time.Second); !ok || db > -100 {
		t.Fatalf("silence comes back at %.1f dB", db)
	}
}
