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
//     once the keyframe has had half its sending time again to arrive.
//     Dropping such requests left a new viewer of a screen with no
//     picture for 3 s.
//   - Keyframes answer requests at one per minKeyframeGap (or per 1.5
//     times the last one's sending time, if longer) on average, with a
//     burst of two: the generic cell rate algorithm, whose theoretical
//     arrival time is next. A request that comes soon after someone
//     else's was answered (two people joining together, or the SFU's
//     last request for a viewer who is leaving just as another joins) is
//     answered at once. Spacing every keyframe by the gap made such a
//     joiner wait up to 300 ms more for the first picture: join → first
//     frame was 431 ms p50 in the bench, whose joiners come one after
//     another, against 184 ms with the burst.
//
// Times are the frames' capture times, so requests are seen at frame
// granularity: ask may be called from any goroutine, the rest only from
// the send goroutine.
type keyframeAsks struct {
	asked   atomic.Bool
	pending bool      // a request waits
	out     time.Time // the last keyframe has gone out by then
	arrived time.Time // and has reached its receivers by then
	next    time.Time // the rate's theoretical arrival time
}

// minKeyframeGap is the least average time between keyframes answering
// requests (libwebrtc's minimum keyframe send interval).
const minKeyframeGap = 300 * time.Millisecond

// keyframeBurst is how far ahead of the average rate a keyframe may come:
// one gap, so two may come back to back.
const keyframeBurst = minKeyframeGap

func (k *keyframeAsks) ask() { k.asked.Store(true) }

// due reports whether the frame captured at ts must be a keyframe to
// answer a request.
func (k *keyframeAsks) due(ts time.Time) bool {
	if k.asked.Swap(false) && !ts.Before(k.out) {
		k.pending = true
	}
	if k.pending && !ts.Before(k.arrived) && !ts.Before(k.next.Add(-keyframeBurst)) {
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
	k.arrived = ts.Add(send * 3 / 2)
	if k.next.Before(ts) {
		k.next = ts
	}
	k.next = k.next.Add(max(minKeyframeGap, send*3/2))
	k.pending = false
}
