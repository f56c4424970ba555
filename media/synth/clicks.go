package synth

import (
	"math"
	"time"
)

// Detection thresholds, as fractions of full scale, applied to the first
// difference of the signal. Differencing scales a sine by 2·sin(π·f/rate):
// ×0.058 at 440 Hz but ×0.39 at the 3 kHz click. A tone up to full scale
// at 1 kHz stays below 0.047 RMS after it; a click is about 0.25 RMS, so
// 0.08 sits safely between them with room for codec losses.
const (
	clickEnergyRMS = 0.08 // first-difference RMS over 1 ms that means "click"
	clickSampleAbs = 0.1  // first |difference| that marks the onset sample
)

// ClickDetector finds the onsets of Tone's clicks in a continuous decoded
// stream fed chunk by chunk, and turns each into a delay: onset time minus
// capture time, where the capture time is the multiple of every at or
// before the onset (clicks are captured exactly on that grid). Delays are
// therefore measured in [0, every); keep every well above the delays
// expected.
type ClickDetector struct {
	rate      int
	every     int64 // ns
	hold      int64 // ns of refractory period after an onset
	energyThr int64 // threshold on the sum of squared differences in the window
	sampleThr int32

	// The last 1 ms of first differences and their sample times, as a
	// ring, so a click whose onset straddles two Feed calls is found
	// exactly as one inside a chunk.
	diff   []int32
	times  []int64
	pos    int
	filled int
	sum    int64 // sum of diff² over the ring

	prev      int16
	started   bool
	armed     bool  // quiet was seen since the last onset
	holdUntil int64 // no new onset before this (unix ns)

	out []time.Duration
}

// NewClickDetector returns a detector for a stream at sampleRate whose
// clicks were generated every every (Tone.ClickEvery). A non-positive
// every or sampleRate gives a detector that never reports anything.
func NewClickDetector(sampleRate int, every time.Duration) *ClickDetector {
	d := &ClickDetector{rate: sampleRate, every: int64(every)}
	if sampleRate <= 0 || every <= 0 {
		d.every = 0
		return d
	}
	win := max(1, sampleRate/1000)
	d.diff = make([]int32, win)
	d.times = make([]int64, win)
	e := clickEnergyRMS * 32768
	d.energyThr = int64(e * e * float64(win))
	d.sampleThr = int32(math.Round(clickSampleAbs * 32768))
	// Half a period of dead time after an onset: a click's own tail, its
	// codec echoes or packet-loss concealment repeating it cannot count
	// twice, and the next click, one period on, is never masked.
	d.hold = d.every / 2
	return d
}

// Feed processes a chunk whose first sample was received or played at at
// and returns the delay of each click onset found in it. The returned slice
// is reused by the next call to Feed.
func (d *ClickDetector) Feed(pcm []int16, at time.Time) (delays []time.Duration) {
	d.out = d.out[:0]
	if d.every <= 0 {
		return d.out
	}
	atNs := at.UnixNano()
	win := len(d.diff)
	for i, s := range pcm {
		if !d.started {
			d.prev, d.started = s, true
		}
		v := int32(s) - int32(d.prev)
		d.prev = s
		tn := atNs + int64(i)*1e9/int64(d.rate)

		old := int64(d.diff[d.pos])
		d.sum += int64(v)*int64(v) - old*old
		d.diff[d.pos], d.times[d.pos] = v, tn
		d.pos++
		if d.pos == win {
			d.pos = 0
		}
		if d.filled < win {
			d.filled++
		}

		if tn < d.holdUntil {
			continue
		}
		if d.sum < d.energyThr {
			// Arm only on a full window of quiet, so a stream that
			// starts mid-click does not report a late onset.
			if d.filled == win {
				d.armed = true
			}
			continue
		}
		if !d.armed {
			continue
		}
		onset := d.onset(tn)
		d.armed = false
		d.holdUntil = onset + d.hold
		d.out = append(d.out, time.Duration(floorMod(onset, d.every)))
	}
	return d.out
}

// onset returns the time of the first sample in the window whose difference
// is click-sized: the energy threshold is crossed a few samples into the
// burst, and this walks back to where it began. now is the fallback.
func (d *ClickDetector) onset(now int64) int64 {
	win := len(d.diff)
	for k := 0; k < win; k++ {
		j := (d.pos + k) % win // oldest first
		if v := d.diff[j]; v >= d.sampleThr || -v >= d.sampleThr {
			return d.times[j]
		}
	}
	return now
}
