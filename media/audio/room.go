package audio

import (
	"time"

	"confer/media"
)

// roomSamples is how much played sound a Room remembers: 2 s, room for a
// second of delay and the drift between two device clocks.
const roomSamples = 2 * media.SampleRate

// Room adds to each captured frame what the speaker played Delay earlier,
// at Gain: a simulated room between a laptop's speakers and its
// microphone, so echo cancellation can be measured end to end.
//
// A real room's path is fixed in samples, so this one is too: the first
// captured frame is placed on the played timeline by wall-clock time, and
// every frame after it follows on by its own length. Placing each frame by
// the moment it was read would make the path jitter by milliseconds, which
// no echo canceller (nor any room) has to follow. A slip of more than a
// frame between the two device clocks places the capture afresh.
type Room struct {
	far   media.PlaybackTap
	delay time.Duration
	gain  float64

	ring     []int16
	t0       time.Time // when played sample 0 was taken
	next     int64     // index of the next played sample
	anchored bool
	capAt    int64 // played index the next captured sample echoes
	capSet   bool
}

// NewRoom simulates echo of what far hears.
func NewRoom(echo media.RoomEcho, far media.PlaybackTap) *Room {
	return &Room{far: far, delay: echo.Delay, gain: echo.Gain, ring: make([]int16, roomSamples)}
}

// Process implements Stage: the frame ends at at.
func (r *Room) Process(pcm []int16, at time.Time) error {
	r.far.Drain(r.store)
	if !r.anchored {
		return nil
	}
	now := r.index(at.Add(-r.delay)) - int64(len(pcm))
	if !r.capSet || abs64(now-r.capAt) > media.FrameSamples {
		r.capAt, r.capSet = now, true
	}
	first := r.capAt
	r.capAt += int64(len(pcm))
	for i := range pcm {
		if s, ok := r.sample(first + int64(i)); ok {
			v := float64(pcm[i]) + r.gain*float64(s)
			pcm[i] = int16(max(-32768, min(32767, v)))
		}
	}
	return nil
}

// store keeps a played block; a gap in the device's clock (a new speaker)
// re-anchors the timeline at the block.
func (r *Room) store(pcm []int16, at time.Time) {
	if !r.anchored || abs64(r.index(at)-r.next) > media.FrameSamples {
		r.t0, r.anchored = at.Add(-samplesTime(r.next)), true
	}
	for _, s := range pcm {
		r.ring[r.next%roomSamples] = s
		r.next++
	}
}

// index is the played sample taken at t.
func (r *Room) index(t time.Time) int64 {
	return int64(t.Sub(r.t0)) * media.SampleRate / int64(time.Second)
}

// sample is played sample i, if it is still (or already) known.
func (r *Room) sample(i int64) (int16, bool) {
	if i < 0 || i >= r.next || r.next-i > roomSamples {
		return 0, false
	}
	return r.ring[i%roomSamples], true
}

// Close implements Stage.
func (r *Room) Close() { r.far.Close() }

func samplesTime(n int64) time.Duration { return time.Duration(n) * time.Second / media.SampleRate }

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
