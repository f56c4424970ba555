package video

import (
	"testing"
	"time"
)

// A 1080p screen keyframe (180 kB for a 900 kbit/s layer) is paced out in
// 1.07 s: requests seen meanwhile are answered by it; one seen after it is
// answered once, at 1.6 s; requests after that at once.
func TestKeyframeAsksAfterABigKeyframe(t *testing.T) {
	var k keyframeAsks
	k.sent(atMS(0), 180_000, 900)
	steps := []struct {
		ms   int
		ask  bool
		want bool
	}{
		{100, true, false},  // still going out: it answers this
		{1000, true, false}, // still going out
		{1050, false, false},
		{1100, true, false}, // after it went out: kept...
		{1500, false, false},
		{1600, false, true}, // ...and answered when the wait ends
		{1700, false, false},
		{2000, true, true}, // none on its way, 300 ms after the last: at once
	}
	for _, s := range steps {
		if s.ask {
			k.ask()
		}
		got := k.due(atMS(s.ms))
		if got != s.want {
			t.Fatalf("at %d ms: due %v; want %v", s.ms, got, s.want)
		}
		if got {
			k.sent(atMS(s.ms), 2_000, 900) // a small one: minKeyframeGap
		}
	}
}

// Small keyframes answer requests at once twice in a row; a third within
// minKeyframeGap of the first waits for it, and then they come one per
// gap.
func TestKeyframeAsksBurstThenGap(t *testing.T) {
	var k keyframeAsks
	k.sent(atMS(0), 2_000, 1500)
	k.ask()
	if !k.due(atMS(33)) {
		t.Fatal("a request soon after a keyframe is not answered at once")
	}
	k.sent(atMS(33), 2_000, 1500)
	k.ask()
	for ms := 66; ms < 300; ms += 33 {
		if k.due(atMS(ms)) {
			t.Fatalf("a third keyframe at %d ms, within minKeyframeGap of the first", ms)
		}
	}
	if !k.due(atMS(300)) {
		t.Fatal("the request is not answered minKeyframeGap after the first")
	}
	k.sent(atMS(300), 2_000, 1500)
	k.ask()
	if k.due(atMS(500)) {
		t.Fatal("keyframes came faster than one per minKeyframeGap after the burst")
	}
	if !k.due(atMS(600)) {
		t.Fatal("the request is not answered one gap after the last")
	}
}

func atMS(ms int) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
}
