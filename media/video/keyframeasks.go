package video

import (
	"sync/atomic"
	"time"
)

// keyframeAsks decides when receivers' keyframe requests (PLI, FIR) for
// one encoding are answered. A keyframe takes a while to go out: 180 kB
// of 1080p screen is 1.1 s paced at 1.5 × 900 kbit/s. Receivers keep
// asking until its first packet reaches them, and the SFU passes a
// request on at most once a second.
//
//   - A request seen while the last keyframe is still going out is
//     answered by that keyframe: a second one would only follow it.
//     Answering every request filled a 1.5 Mbit/s uplink with 1080p
//     screen keyframes (2.6 a second, 2.5 s behind).
//   - A request seen after that (someone who did not get it: a viewer
//     who joined meanwhile, since the SFU forwards from the next
//     keyframe, or a keyframe lost on the way) is kept, and answered
//     once the keyframe has had half its sending time again to arrive,
//     at least minKeyframeGap after it. Dropping such requests left a
//     new viewer of a screen with no picture for 3 s.
//
// Times are the frames' capture times, so requests are seen at frame
// granularity: ask may be called from any goroutine, the rest only from
// the send goroutine.
type keyframeAsks struct {
	asked   atomic.Bool
	pending bool      // a request waits for until
	out     time.Time // the last keyframe has gone out by then
	until   time.Time // no keyframe answers a request before then
}

// minKeyframeGap is the least time between keyframes answering requests.
const minKeyframeGap = 300 * time.Millisecond

func (k *keyframeAsks) ask() { k.asked.Store(true) }

// due reports whether the frame captured at ts must be a keyframe to
// answer a request.
func (k *keyframeAsks) due(ts time.Time) bool {
	if k.asked.Swap(false) && !ts.Before(k.out) {
		k.pending = true
	}
	if k.pending && !ts.Before(k.until) {
		k.pending = false
		return true
	}
	return false
}

// sent records a keyframe of n bytes captured at ts for a layer of kbps.
// The pacer sends at 1.5 × the uplink's estimate (pion's leaky bucket),
// of which the layer's rate is a share: the keyframe is out within 2/3 of
// its time at the layer's rate.
func (k *keyframeAsks) sent(ts time.Time, n, kbps int) {
	send := time.Duration(n) * 8 * time.Millisecond / time.Duration(max(kbps, 1)) * 2 / 3
	k.out = ts.Add(send)
	k.until = ts.Add(max(minKeyframeGap, send*3/2))
	k.pending = false
}
