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
// effect at once. Not so when a layer is left under a tenth of its rate:
// its encoder drops most frames (a 1280×720 one set from 1500 to 60 kbit/s
// dropped 68 of the next 90, at 150 kbit/s 27, at 300 none), so its
// receivers' picture stands still while the layer waits, and the queue it
// keeps full holds back the layers below. It stops at once, and says so
// (LayerStopper), and its receivers are on the smaller layer within a
// keyframe's wait. Stopping at once under a fifth made a sender behind a
// 600 kbit/s link stop and resume its middle layer with every dip, and
// the resumes' keyframes kept the link's queue standing for 10–15 s
// (TestNetworkSenderUnderACapSlowsDown failed in 3 of 5 runs).

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
	// settle is how long the estimate must ask for another shape, unless
	// it leaves a layer too little to encode without dropping most frames
	// (below stopAtOnce of its rate).
	settle     = 2 * time.Second
	stopAtOnce = stopBelow / 2
)

// allocate shares total (kbit/s) among encodings configured at nominal
// rates (nominal[0] the full size, then ever smaller simulcast layers),
// given the plans in force at now. The smallest layer is served first and
// never stops; each larger one takes what is left, or stops when that is
// too thin for it.
//
// halvable tells whether the full size may halve. Not when the next layer
// is of half its size (a camera's simulcast): that layer shows its
// receivers the same picture, and a halved full layer would only add a new
// encoder, and a keyframe at the full size to wait for when it grows back,
// where a stopped one resumes while its receivers still see the layer
// below. Such a full layer stops where it would have halved.
func allocate(total int, nominal []int, halvable bool, prev []plan, now time.Time) []plan {
	out := make([]plan, len(nominal))
	last := len(nominal) - 1
	if last == 0 {
		out[0] = layerPlan(total, nominal[0], false, thinShare, prevPlan(prev, 0), now)
		return out
	}
	left := total
	k := min(nominal[last], left)
	out[last] = plan{active: true, kbps: max(k, 1)}
	left -= k
	for i := last - 1; i >= 0; i-- {
		p := prevPlan(prev, i)
		mayHalve := i == 0 && halvable
		if !mayHalve {
			p.halve = false
		}
		b := thinShare
		if i == 0 && !halvable {
			b = halfShare
		}
		out[i] = layerPlan(left, nominal[i], true, b, p, now)
		out[i].halve = out[i].halve && mayHalve
		if out[i].active {
			left -= out[i].kbps
		}
	}
	return out
}

// shareBounds are the shares of its rate below which a layer stops, and
// above which it resumes.
type shareBounds struct{ stop, resume float64 }

var (
	// thinShare: too thin for the layer.
	thinShare = shareBounds{stopBelow, resumeAbove}
	// halfShare: where a layer of half the size looks better.
	halfShare = shareBounds{halveBelow, unhalveAbove}
)

func prevPlan(prev []plan, i int) plan {
	if i >= len(prev) {
		return plan{active: true}
	}
	return prev[i]
}

// layerPlan decides one encoding above the smallest (or the only one,
// which never stops: it is all the receivers have).
func layerPlan(left, nominal int, canStop bool, b shareBounds, prev plan, now time.Time) plan {
	share := float64(left) / float64(max(nominal, 1))
	active := !canStop || wantsActive(share, left, prev.active, b)
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
		wait := settle
		if !active && share < stopAtOnce {
			wait = 0
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
func wantsActive(share float64, left int, active bool, b shareBounds) bool {
	if active {
		return share >= b.stop && left >= minFullKbps
	}
	return share >= b.resume && left >= minFullKbps
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
