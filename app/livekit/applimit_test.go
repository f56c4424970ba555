package livekit

import (
	"testing"
	"time"
)

// limitRun feeds an appLimit one read every 200 ms: GCC's raw figure and
// a sender steady at sentBps. It returns the estimate after each read.
type limitRun struct {
	a     appLimit
	now   time.Time
	bytes int64
}

func (r *limitRun) read(raw, sentBps int, decreasing bool) int {
	r.now = r.now.Add(200 * time.Millisecond)
	r.bytes += int64(sentBps / 8 / 5)
	return r.a.apply(raw, decreasing, r.bytes, r.now)
}

func TestAppLimitHoldsTheEstimateNearWhatIsSent(t *testing.T) {
	r := &limitRun{now: time.Unix(1000, 0)}
	// Before a second of sending is measured, GCC's figure as it is.
	if got := r.read(1_500_000, 500_000, false); got != 1_500_000 {
		t.Fatalf("before any measure: %d", got)
	}
	for range 5 {
		r.read(433_000, 500_000, false)
	}
	// Growing past 1.5 × 500 + 10 kbit/s while sending 500: held there.
	var got int
	for raw := 433_000; raw < 1_400_000; raw += 20_000 {
		got = r.read(raw, 500_000, false)
	}
	if got != 760_000 {
		t.Errorf("an unused estimate grew to %d; want held at 760000", got)
	}
	// GCC coming down below the limit is followed at once.
	if got := r.read(400_000, 500_000, false); got != 400_000 {
		t.Errorf("a lower estimate: %d", got)
	}
}

func TestAppLimitKeepsAnUnusedRate(t *testing.T) {
	r := &limitRun{now: time.Unix(1000, 0)}
	for range 10 {
		r.read(1_500_000, 1_500_000, false)
	}
	// A still screen sends little: the rate it had stays for when it moves.
	for range 10 {
		r.read(1_500_000, 50_000, false)
	}
	var got int
	for range 20 {
		got = r.read(1_700_000, 50_000, false)
	}
	if got != 1_500_000 {
		t.Errorf("a still sender's estimate went to %d; want the 1500000 it had", got)
	}
}

func TestAppLimitTrialsBackOffWhenTheLinkCannotCarryThem(t *testing.T) {
	r := &limitRun{now: time.Unix(1000, 0)}
	for range 10 {
		r.read(500_000, 500_000, false)
	}
	held := func() time.Duration { // how long until GCC's figure gets through
		start := r.now
		for r.read(2_000_000, 500_000, false) != 2_000_000 {
			if r.now.Sub(start) > 10*time.Minute {
				t.Fatal("no trial in 10 minutes")
			}
		}
		return r.now.Sub(start)
	}
	first := held()
	if first < firstTrial || first > firstTrial+time.Second {
		t.Fatalf("first trial after %v; want %v", first, firstTrial)
	}
	// The link could not carry it: GCC decreases, the limit is back.
	if got := r.read(600_000, 500_000, true); got != 600_000 {
		t.Errorf("a failed trial gave %d; want GCC's 600000", got)
	}
	if got := r.read(2_000_000, 500_000, false); got != 760_000 {
		t.Errorf("after a failed trial: %d; want held at 760000", got)
	}
	if second := held(); second < 2*firstTrial-time.Second {
		t.Errorf("second trial after %v; want about %v", second, 2*firstTrial)
	}
	// A trial that holds ends by itself; the next waits the first time again.
	for range int(trialLength/(200*time.Millisecond)) + 1 {
		r.read(2_000_000, 1_900_000, false)
	}
	if got := r.read(2_000_000, 1_900_000, false); got != 2_000_000 {
		t.Errorf("after a trial that held, sending 1.9 Mbit/s: %d", got)
	}
}
