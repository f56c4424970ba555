package livekit

import "time"

// An estimate held near what is really sent. GCC raises its delay-based
// estimate by up to 8 % a second for as long as it sees no queue, also
// while the encoders send far less than it (a layer waiting to resume, a
// still screen). libwebrtc stops that growth at 1.5 × the throughput plus
// 10 kbit/s; pion's rate controller applies its limit only when the
// throughput is above the estimate, so after a slow link's first seconds
// its estimate climbs to twice the link while the sender fits, and the
// layer that resumes on it floods the link for seconds (measured: 433 →
// 1430 kbit/s in 15 s on a 600 kbit/s link, then 2–3 s of drops and a
// 1.1 s freeze at the receiver). appLimit applies libwebrtc's rule to
// GCC's figure: above the limit the estimate keeps the value it had (it
// never falls for being unused, so a still screen keeps its rate for when
// it moves) but does not grow.
//
// What the encoders have not sent, the link has not shown it can carry,
// and GCC here has no probing to find out. A limit that held for good
// would keep a layer stopped by a passing dip off on a fast link, so after
// the limit has held for a while a trial lets GCC's own figure through:
// the layer resumes, and if GCC sees the queue grow (its state turns to
// decrease) the trial failed and the next waits twice as long.
type appLimit struct {
	sent      [meterReads]meterRead // the pacer's byte count at recent reads
	reads     int
	out       int       // the estimate given last
	bindSince time.Time // the limit has held since; zero when it does not
	trialEnd  time.Time // a trial runs until then; zero when none does
	wait      time.Duration
}

type meterRead struct {
	at    time.Time
	bytes int64
}

const (
	// meterReads spans the sent rate over about a second of rate reads.
	meterReads = 6
	// limitFactor and limitHeadroom are libwebrtc's: 1.5 × throughput +
	// 10 kbit/s.
	limitFactor   = 1.5
	limitHeadroom = 10_000
	// firstTrial is how long the limit holds before the first trial, and
	// after one that worked; each failed trial doubles it, up to maxTrial.
	firstTrial = 20 * time.Second
	maxTrial   = 160 * time.Second
	// trialLength covers a layer's wait to resume (settle in
	// media/video/allocate.go) and GCC's reaction to the queue it builds.
	trialLength = 5 * time.Second
)

// apply returns the estimate to use now from GCC's raw figure, whether GCC
// is decreasing (it saw a queue grow), and the video bytes the pacer has
// sent so far.
func (a *appLimit) apply(raw int, decreasing bool, sentBytes int64, now time.Time) int {
	if a.wait == 0 {
		a.wait = firstTrial
	}
	sent, known := a.meter(sentBytes, now)
	if !a.trialEnd.IsZero() {
		switch {
		case decreasing:
			a.trialEnd, a.bindSince = time.Time{}, now
			a.wait = min(2*a.wait, maxTrial)
		case now.After(a.trialEnd):
			a.trialEnd, a.bindSince = time.Time{}, time.Time{}
			a.wait = firstTrial
		default:
			return a.give(raw)
		}
	}
	limit := int(limitFactor*float64(sent)) + limitHeadroom
	if !known || raw <= limit {
		a.bindSince = time.Time{}
		return a.give(raw)
	}
	if a.bindSince.IsZero() {
		a.bindSince = now
	}
	if now.Sub(a.bindSince) >= a.wait {
		a.trialEnd = now.Add(trialLength)
		return a.give(raw)
	}
	// Above the limit: no growth, and no fall for being unused.
	return a.give(min(raw, max(a.out, limit)))
}

func (a *appLimit) give(bps int) int {
	a.out = bps
	return bps
}

// meter records the pacer's byte count and returns the rate sent over the
// reads it remembers (bit/s), once they span most of a second.
func (a *appLimit) meter(bytes int64, now time.Time) (int, bool) {
	a.sent[a.reads%meterReads] = meterRead{at: now, bytes: bytes}
	a.reads++
	if a.reads < meterReads {
		return 0, false
	}
	oldest := a.sent[a.reads%meterReads]
	span := now.Sub(oldest.at).Seconds()
	if span < 0.8 {
		return 0, false
	}
	return int(float64(bytes-oldest.bytes) * 8 / span), true
}
