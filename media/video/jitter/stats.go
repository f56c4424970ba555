package jitter

import "time"

// Stats are counters since New; percentiles cover the recent recoveries.
type Stats struct {
	Packets          int // pushed
	PacketsLate      int // older than what already went out, or a lone stray number: dropped
	PacketsDuplicate int
	PacketsMalformed int // bad descriptor or oversized: their frames are skipped
	PacketsRecovered int // filled a hole in time (retransmission or reordering)

	FramesOut     int // returned by Pop
	FramesSkipped int // complete but undecodable, or given up

	KeyframesNeeded int // times the reference chain broke (NeedKeyframe turned true)
	DecodeFailures  int
	Resets          int // sequence jumps that restarted the buffer

	RecoveryP50 time.Duration // hole seen → packet arrived
	RecoveryP95 time.Duration
	WaitBudget  time.Duration // how long an incomplete frame is held now
}

// recoveryWindow is how many recent recoveries the budget follows: enough
// for a stable p90, few enough to follow an RTT change within seconds at
// a few percent loss.
const recoveryWindow = 64

// recovery keeps the last recovery times (hole seen → packet arrived).
type recovery struct {
	ring          [recoveryWindow]time.Duration
	sorted        [recoveryWindow]time.Duration
	n, pos        int
	p50, p90, p95 time.Duration
	lateFloor     time.Duration // slowest recent recovery that came too late
	lateLeft      int           // recoveries until lateFloor is forgotten
}

// tooLate records a packet that filled a hole after its frame was given
// up: proof that the budget was too short. Where holes filled by
// reordering far outnumber retransmissions, the p90 says "reordering"
// and misses them; this floor does not.
func (r *recovery) tooLate(d time.Duration) {
	r.add(d)
	r.lateFloor, r.lateLeft = max(r.lateFloor, d), 2*recoveryWindow
}

func (r *recovery) add(d time.Duration) {
	if r.lateLeft > 0 {
		if r.lateLeft--; r.lateLeft == 0 {
			r.lateFloor = 0
		}
	}
	r.ring[r.pos] = d
	r.pos = (r.pos + 1) % recoveryWindow
	if r.n < recoveryWindow {
		r.n++
	}
	// Insertion sort of at most 64 values: only recovered packets pay it.
	s := r.sorted[:r.n]
	copy(s, r.ring[:r.n])
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	r.p50, r.p90, r.p95 = s[(r.n-1)*50/100], s[(r.n-1)*90/100], s[(r.n-1)*95/100]
}

// Margin over the scaled p90: scheduling noise on both ends.
const budgetMargin = 10 * time.Millisecond

// minSamples: below this many recoveries the start value stays a floor, so
// a few reordered packets (tiny "recoveries") cannot shrink the wait below
// a real retransmission before one was ever seen.
const minSamples = 8

// budget is how long to hold a frame for a missing packet:
// clamp(1.5 × p90 + margin, MinWait, MaxWait), and not below a recent
// recovery that came too late.
func (r *recovery) budget(cfg *Config) time.Duration {
	w := cfg.StartWait
	if r.n > 0 {
		w = r.p90*3/2 + budgetMargin
		if r.n < minSamples {
			w = max(w, cfg.StartWait)
		}
	}
	if r.lateFloor > 0 {
		w = max(w, r.lateFloor+budgetMargin)
	}
	return min(max(w, cfg.MinWait), cfg.MaxWait)
}
