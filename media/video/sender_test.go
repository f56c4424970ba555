package video

import (
	"testing"
	"time"
)

func TestKeyframeWaitCoversTheKeyframesWayOut(t *testing.T) {
	for _, c := range []struct {
		bytes, kbps int
		want        time.Duration
	}{
		{180_000, 900, 2400 * time.Millisecond}, // a 1080p screen keyframe at its share of 1.5 Mbit/s
		{10_000, 150, 800 * time.Millisecond},   // the smallest camera layer
		{2_000, 1500, minKeyframeGap},
	} {
		if got := keyframeWait(c.bytes, c.kbps); (got - c.want).Abs() > time.Millisecond {
			t.Errorf("keyframeWait(%d B, %d kbit/s) = %v; want %v", c.bytes, c.kbps, got, c.want)
		}
	}
}
