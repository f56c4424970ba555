package synth

import (
	"math"
	"time"

	"confer/media"
)

// Click design. A click is a 5 ms burst of a 3 kHz sine at 0.9 of full
// scale that replaces the tone for its duration, starting (at phase 0) at
// every multiple of ClickEvery of unix time. 3 kHz rather than higher
// because it survives every Opus bandwidth, narrowband included; it is
// still far enough above a speech-range tone that a first-difference
// detector separates the two by more than 10 dB. Replacing rather than
// adding the tone keeps the sum from clipping at any Amplitude.
const (
	ClickDuration  = 5 * time.Millisecond
	ClickFrequency = 3000.0
	clickLevel     = 0.9
)

// Tone is the synthetic microphone: a sine of Freq Hz at Amplitude (0–1 of
// full scale) with a click at every multiple of ClickEvery of wall-clock
// (unix) time, so a receiver knows each click's capture time exactly and
// can measure delay from when it arrives. ClickEvery 0 means no clicks; it
// should be well above ClickDuration (the detector wants at least ~50 ms).
// Amplitude 0 and ClickEvery 0 give silence.
type Tone struct {
	Freq       float64
	Amplitude  float64
	ClickEvery time.Duration
}

// Fill writes len(pcm) samples of 48 kHz mono whose first sample is
// captured at start. Everything is computed from absolute time, so
// consecutive calls with consecutive start times join seamlessly, and two
// devices filling the same instant produce the same samples.
func (t Tone) Fill(pcm []int16, start time.Time) {
	startNs := start.UnixNano()
	amp := min(max(t.Amplitude, 0), 1)
	var phase0, step float64 // in cycles
	if amp > 0 && t.Freq > 0 {
		// The phase at start is Freq times seconds since 1970, a number
		// too big for float64 to keep its fraction. Whole seconds times
		// the whole part of Freq is a whole number of cycles and drops
		// out; only the small remaining products need float precision.
		sec := floorDiv(startNs, 1e9)
		ns := startNs - sec*1e9
		_, fracFreq := math.Modf(t.Freq)
		_, p := math.Modf(fracFreq*float64(sec) + t.Freq*float64(ns)/1e9)
		phase0, step = p, t.Freq/media.SampleRate
	} else {
		amp = 0
	}
	every := int64(t.ClickEvery)
	for i := range pcm {
		if every > 0 {
			tn := startNs + int64(i)*1e9/media.SampleRate
			if into := floorMod(tn, every); into < int64(ClickDuration) {
				pcm[i] = toPCM(clickLevel * math.Sin(2*math.Pi*ClickFrequency*float64(into)/1e9))
				continue
			}
		}
		v := 0.0
		if amp > 0 {
			_, c := math.Modf(phase0 + step*float64(i))
			v = amp * math.Sin(2*math.Pi*c)
		}
		pcm[i] = toPCM(v)
	}
}

// toPCM converts a full-scale-relative value to a clipped int16 sample.
func toPCM(v float64) int16 {
	return int16(math.Round(min(max(v, -1), 1) * math.MaxInt16))
}
