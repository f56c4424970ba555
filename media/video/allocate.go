package video

import "time"

// How a sender shares a target bitrate among its encodings. A camera keeps
// its motion and gives up resolution: the smallest simulcast layer is
// served first, then each larger one, which stops when there is too little
// left for it to look better than the one below (the server then forwards
// a smaller one to its receivers); the full-size layer also halves its
// resolution when its share is thin. A screen keeps its resolution, so its
// text stays sharp, and gives up frame rate.
//
// Stopping a layer makes the server move its receivers to another one,
// which costs them a keyframe's wait; halving re-creates an encoder. So a
// change of shape waits until the estimate has asked for it for a while
// (settle): an estimate that dips for a moment (congestion control's
// reaction to one late packet group) only lowers the bitrates, which take
// effect at once.

// plan is what one encoding does under the current target.
type plan struct {
	active bool
	kbps   int
	// halve: encode at half the width and height (full-size camera layer).
	halve bool
	// pending is when the estimate first asked for another shape (stop or
	// resume, halve or not); zero when it asks for the present one.
	pending time.Time
}

// Thresholds, as fractions of an encoding's configured bitrate, with a gap
// between going down and coming back.
const (
	halveBelow   = 0.40 // a 720p layer at < 600 of 1500 kbit/s: 640×360 looks better
	unhalveAbove = 0.55
	stopBelow    = 0.20 // too thin for the full layer: the small one serves
	resumeAbove  = 0.28
	// minFullKbps is the least a layer above the smallest gets before it
	// stops.
	minFullKbps = 150
	// settle is how long the estimate must ask for another shape;
	// settleUrgent how long it must ask to stop a layer it leaves far too
	// little for.
	settle       = 2 * time.Second
	settleUrgent = 500 * time.Millisecond
)

// allocate shares total (kbit/s) among encodings configured at nominal
// rates (nominal[0] the full size, then ever smaller simulcast layers),
// given the plans in force at now. The smallest layer is served first and
// never stops; each larger one takes what is left, or stops when that is
// too thin for it.
func allocate(total int, nominal []int, prev []plan, now time.Time) []plan {
	out := make([]plan, len(nominal))
	last := len(nominal) - 1
	if last == 0 {
		out[0] = layerPlan(total, nominal[0], false, prevPlan(prev, 0), now)
		return out
	}
	left := total
	k := min(nominal[last], left)
	out[last] = plan{active: true, kbps: max(k, 1)}
	left -= k
	for i := last - 1; i >= 0; i-- {
		p := prevPlan(prev, i)
		if i > 0 {
			p.halve = false // only the full size halves
		}
		out[i] = layerPlan(left, nominal[i], true, p, now)
		out[i].halve = out[i].halve && i == 0
		if out[i].active {
			left -= out[i].kbps
		}
	}
	return out
}

func prevPlan(prev []plan, i int) plan {
	if i >= len(prev) {
		return plan{active: true}
	}
	return prev[i]
}

// layerPlan decides one encoding above the smallest (or the only one,
// which never stops: it is all the receivers have).
func layerPlan(left, nominal int, canStop bool, prev plan, now time.Time) plan {
	share := float64(left) / float64(max(nominal, 1))
	active := !canStop || wantsActive(share, left, prev.active)
	halve := share < halveBelow
	if prev.halve {
		halve = share < unhalveAbove
	}
	next := plan{active: prev.active, halve: prev.halve}
	if active != prev.active || (active && halve != prev.halve) {
		next.pending = prev.pending
		if next.pending.IsZero() {
			next.pending = now
		}
		// Far too little for a layer stops it sooner: running on, it
		// would overshoot its share and keep a slow link's queue full.
		wait := settle
		if !active && share < stopBelow/2 {
			wait = settleUrgent
		}
		if now.Sub(next.pending) >= wait {
			next = plan{active: active, halve: halve && active}
		}
	}
	if next.active {
		next.kbps = max(min(left, nominal), 1)
	}
	return next
}

// wantsActive tells whether a layer's share is enough for it, with the
// gap between stopping and resuming.
func wantsActive(share float64, left int, active bool) bool {
	if active {
		return share >= stopBelow && left >= minFullKbps
	}
	return share >= resumeAbove && left >= minFullKbps
}

// screenFPS is the frame rate a screen encoding gets at kbps of nominal:
// all of it down to half the nominal rate, then in proportion, never below
// 3 frames a second.
func screenFPS(kbps, nominal, fps int) int {
	share := float64(kbps) / float64(max(nominal, 1))
	if share >= 0.5 {
		return fps
	}
	return max(3, int(float64(fps)*share*2))
}
