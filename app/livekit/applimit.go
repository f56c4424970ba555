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
//
// A passing dip is another matter. A busy machine (the server's or the
// sender's) delays packets for a moment, GCC reads that as a queue and
// cuts its estimate to some 0.85 × what was acknowledged, the encoders
// stop a layer, and what is sent falls with it: the limit then held the
// estimate below what that layer needs to resume, until the next trial
// 20 s on (measured: a second person joining a call cut the first one's
// estimate from 1721 to 889 kbit/s on a quiet two-core machine, and the
// receiver saw the 640 layer for the rest of the call). libwebrtc probes
// after such a drop, to 0.85 × the estimate before it. Without probes,
// the limit does not bind below 0.85 × an estimate the link carried
// cleanly (no decrease, little loss, for cleanFor) within recoverFor:
// GCC climbs back at its own pace and the layer resumes. If GCC decreases
// again on the way, the link is not what it was, and that estimate is
// forgotten.
type appLimit struct {
	sent      rateMeter // what the pacer sent
	out       int       // the estimate given last
	bindSince time.Time // the limit has held since; zero when it does not
	trialEnd  time.Time // a trial runs until then; zero when none does
	wait      time.Duration

	cleanSince time.Time // GCC has neither decreased nor seen much loss since
	carried    int       // the highest estimate given while clean, lately
	carriedAt  time.Time // when it was last carried (or nearly)
	recovering bool      // the estimate given is above the plain limit, for carried
}

const (
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
	// cleanFor is how long an estimate must be in force with no decrease
	// and little loss to count as carried: the meter's second of sending
	// plus the feedback's way back.
	cleanFor = 2 * time.Second
	// recoverShare is how much of a carried estimate the limit leaves GCC
	// free to climb back to (libwebrtc's probe after a large drop aims at
	// 0.85 of the estimate before it), and recoverFor how long after it
	// was last carried.
	recoverShare = 0.85
	recoverFor   = 15 * time.Second
)

// gccRead is what apply needs of GCC at one read.
type gccRead struct {
	raw        int  // the delay-based estimate, bit/s
	decreasing bool // GCC saw a queue grow
	lossy      bool // the loss it sees is more than random loss would be
}

// apply returns the estimate to use now from GCC's read and the video
// bytes the pacer has sent so far.
func (a *appLimit) apply(g gccRead, sentBytes int64, now time.Time) int {
	if a.wait == 0 {
		a.wait = firstTrial
	}
	raw, decreasing := g.raw, g.decreasing
	sent, known := a.sent.rate(sentBytes, now)
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
	// What a trial carried is judged by the trial, not counted here.
	a.noteCarried(g, known, now)
	limit := int(limitFactor*float64(sent)) + limitHeadroom
	a.recovering = false
	if back := a.recoverTo(now); back > limit {
		limit, a.recovering = back, raw > limit
	}
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

// noteCarried keeps the highest estimate given while GCC saw neither a
// decrease nor much loss for cleanFor, and forgets it when GCC decreases
// while the estimate is above the plain limit because of it.
func (a *appLimit) noteCarried(g gccRead, known bool, now time.Time) {
	if g.decreasing && a.recovering {
		a.carried = 0
	}
	if g.decreasing || g.lossy || !known {
		a.cleanSince = time.Time{}
		return
	}
	if a.cleanSince.IsZero() {
		a.cleanSince = now
	}
	if now.Sub(a.cleanSince) < cleanFor {
		return
	}
	switch {
	case a.out > a.carried || now.Sub(a.carriedAt) > recoverFor:
		a.carried, a.carriedAt = a.out, now
	case float64(a.out) >= recoverShare*float64(a.carried):
		a.carriedAt = now
	}
}

// recoverTo is the least the limit may bind at: recoverShare of an
// estimate carried lately, or 0.
func (a *appLimit) recoverTo(now time.Time) int {
	if a.carried == 0 || now.Sub(a.carriedAt) > recoverFor {
		return 0
	}
	return int(recoverShare * float64(a.carried))
}

func (a *appLimit) give(bps int) int {
	a.out = bps
	return bps
}
