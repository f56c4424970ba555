package video

// How a sender shares a target bitrate among its encodings. A camera keeps
// its motion and gives up resolution: the small simulcast layer is served
// first, then the full-size one, which halves its resolution when the rate
// left for it is thin, and stops when there is too little for it to look
// better than the small layer (the server then forwards the small one to
// everyone). A screen keeps its resolution, so its text stays sharp, and
// gives up frame rate.

// plan is what one encoding does under the current target.
type plan struct {
	active bool
	kbps   int
	// halve: encode at half the width and height (full-size camera layer).
	halve bool
}

// Thresholds, as fractions of an encoding's configured bitrate, with a gap
// between going down and coming back so the encoder is not re-created (and
// a keyframe sent) at every wobble of the estimate.
const (
	halveBelow   = 0.40 // a 720p layer at < 600 of 1500 kbit/s: 640×360 looks better
	unhalveAbove = 0.55
	stopBelow    = 0.20 // too thin for the full layer: the small one serves
	resumeAbove  = 0.28
	// minFullKbps is the least a full-size layer gets before it stops.
	minFullKbps = 150
)

// allocate shares total (kbit/s) among encodings configured at nominal
// rates (nominal[0] the full size, the rest smaller simulcast layers),
// given the plans in force, so the thresholds have memory.
func allocate(total int, nominal []int, prev []plan) []plan {
	out := make([]plan, len(nominal))
	left := total
	for i := len(nominal) - 1; i >= 1; i-- { // small layers first
		k := min(nominal[i], left)
		out[i] = plan{active: true, kbps: max(k, 1)}
		left -= k
	}
	out[0] = fullLayer(left, nominal[0], len(nominal) > 1, prevPlan(prev))
	return out
}

func prevPlan(prev []plan) plan {
	if len(prev) == 0 {
		return plan{active: true}
	}
	return prev[0]
}

// fullLayer decides the full-size encoding. Without a smaller layer beside
// it, it never stops: it is all the receivers have.
func fullLayer(left, nominal int, hasSmall bool, prev plan) plan {
	share := float64(left) / float64(max(nominal, 1))
	if hasSmall {
		stop := share < stopBelow || left < minFullKbps
		if !prev.active {
			stop = share < resumeAbove || left < minFullKbps
		}
		if stop {
			return plan{active: false}
		}
	}
	halve := share < halveBelow
	if prev.halve {
		halve = share < unhalveAbove
	}
	return plan{active: true, kbps: max(min(left, nominal), 1), halve: halve}
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
