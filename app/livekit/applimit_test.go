package livekit

import (
	"log/slog"
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
	return r.a.apply(gccRead{raw: raw, decreasing: decreasing}, r.bytes, r.now)
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

// climb feeds GCC's figure growing 8 % a second (its multiplicative
// increase) from raw while the sender sends sentBps, for d, and returns
// the last estimate given.
func (r *limitRun) climb(raw, sentBps int, d time.Duration) int {
	var got int
	for end := r.now.Add(d); r.now.Before(end); raw = raw * 1016 / 1000 {
		got = r.read(raw, sentBps, false)
	}
	return got
}

func TestAppLimitRecoversFromAPassingDip(t *testing.T) {
	r := &limitRun{now: time.Unix(1000, 0)}
	// 1.7 Mbit/s carried cleanly for 5 s (the encoders send less than it).
	for range 25 {
		r.read(1_700_000, 1_100_000, false)
	}
	// One late burst: GCC cuts to 889 kbit/s, a layer stops, 650 is sent.
	r.read(889_000, 1_100_000, true)
	got := r.climb(889_000, 650_000, 8*time.Second)
	if want := int(recoverShare * 1_700_000); got != want {
		t.Errorf("8 s after a passing dip: %d; want back to %d (without it held at %d)", got, want, 985_000)
	}
}

func TestAppLimitForgetsARateTheLinkNoLongerCarries(t *testing.T) {
	r := &limitRun{now: time.Unix(1000, 0)}
	for range 25 {
		r.read(1_700_000, 1_100_000, false)
	}
	r.read(889_000, 1_100_000, true)
	r.climb(889_000, 650_000, 2*time.Second)
	// On the way back GCC sees a queue again: the link is slower now.
	r.read(900_000, 650_000, true)
	if got := r.climb(900_000, 650_000, 8*time.Second); got != 985_000 {
		t.Errorf("after a second decrease: %d; want held at 1.5 × 650 + 10 = 985000", got)
	}
}

func TestAppLimitCountsNothingCarriedFromAFloodedStart(t *testing.T) {
	r := &limitRun{now: time.Unix(1000, 0)}
	// The start sends 1.5 Mbit/s into a 600 kbit/s link: loss, then a
	// decrease, within the first seconds.
	for range 20 {
		r.a.apply(gccRead{raw: 1_500_000, lossy: true}, r.bytes, r.now.Add(200*time.Millisecond))
		r.now = r.now.Add(200 * time.Millisecond)
		r.bytes += 1_500_000 / 8 / 5
	}
	r.read(500_000, 1_500_000, true)
	if got := r.climb(500_000, 400_000, 8*time.Second); got != 610_000 {
		t.Errorf("after a flooded start: %d; want held at 1.5 × 400 + 10 = 610000", got)
	}
}

// The estimate handed to the encoders and the pacer is no more than the
// published sources can send, however far GCC's own figure has grown.
func TestTheEstimateStaysWithinWhatTheSourcesCanSend(t *testing.T) {
	u := &uplink{initial: uplinkMaxBitrate, floor: uplinkMinBitrate, log: slog.New(slog.DiscardHandler)}
	bwe, err := u.newEstimator()
	if err != nil {
		t.Fatal(err)
	}
	est := bwe.(*pacedVideo)
	defer est.Close()
	u.use(est)
	if got, _ := u.estimate(2_295_000); got != 2_295_000 {
		t.Errorf("GCC at %d, sources that send 2295000 at most: estimate %d", uplinkMaxBitrate, got)
	}
	est.pacer.mu.Lock()
	rate := est.pacer.q.rate
	est.pacer.mu.Unlock()
	if rate != int(pacingFactor*2_295_000) {
		t.Errorf("the pacer paces at %d bit/s; want %v × 2295000", rate, pacingFactor)
	}
	if got, _ := u.estimate(0); got != uplinkMaxBitrate {
		t.Errorf("with no bound: %d", got)
	}
}

// Loss that a bad link has at random (30 %) is NACK's to repair, not a
// reason to cut the rate; loss far beyond it (60 %: much more is sent than
// the link passes) is, and the loss-based estimate is used until the loss
// is well back below.
func TestTheLossBasedEstimateCountsOnlyHeavyLoss(t *testing.T) {
	u := &uplink{initial: 1_500_000, floor: uplinkMinBitrate, log: slog.New(slog.DiscardHandler)}
	bwe, err := u.newEstimator()
	if err != nil {
		t.Fatal(err)
	}
	est := bwe.(*pacedVideo)
	defer est.Close()
	now := time.Unix(1000, 0)
	read := func(loss float64, reads int) int {
		var got int
		for range reads {
			now = now.Add(rateEvery)
			got = est.policy(map[string]any{
				"delayTargetBitrate": 1_000_000, "lossTargetBitrate": 200_000,
				"averageLoss": loss, "state": "increase",
			}, 0, now)
		}
		return got
	}
	if got := read(0.30, 50); got != 1_000_000 {
		t.Errorf("after 10 s of 30 %% loss: %d; want the delay-based 1000000", got)
	}
	if got := read(0.60, 25); got != 200_000 {
		t.Errorf("after 5 s of 60 %% loss: %d; want the loss-based 200000", got)
	}
	if got := read(0.35, 10); got != 200_000 {
		t.Errorf("2 s after the loss fell to 35 %%: %d; want still the loss-based 200000", got)
	}
	if got := read(0.10, 25); got != 1_000_000 {
		t.Errorf("5 s after the loss fell to 10 %%: %d; want the delay-based 1000000 again", got)
	}
}
