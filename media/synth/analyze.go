package synth

import (
	"math"

	"confer/media"
)

// RMS is media.RMS, kept beside the other analysers.
func RMS(pcm []int16) float64 { return media.RMS(pcm) }

const (
	// analysisMax caps how much of the input DominantFrequency looks at
	// (~170 ms at 48 kHz): plenty for a steady tone, and it bounds both
	// the cost and the stack buffer.
	analysisMax = 8192
	scanLow     = 50.0
	scanHigh    = 4000.0
	scanStep    = 5.0
)

// DominantFrequency returns the frequency in Hz, between 50 and 4000, of
// the strongest tone in pcm, or 0 if pcm is silent or too short. Inputs
// longer than analysisMax samples are judged by their middle part.
//
// It Hann-windows the signal, scans it with Goertzel filters every 5 Hz and
// refines the best one by golden-section search. The window keeps short
// events such as clicks and the edges of the buffer from smearing energy
// over the scan; the search gives well under 1 Hz of precision without a
// fine scan.
func DominantFrequency(pcm []int16, sampleRate int) float64 {
	if sampleRate <= 0 || len(pcm) < 16 {
		return 0
	}
	if len(pcm) > analysisMax {
		mid := (len(pcm) - analysisMax) / 2
		pcm = pcm[mid : mid+analysisMax]
	}
	var buf [analysisMax]float64 // on the stack: no allocation per call
	x := buf[:len(pcm)]
	var mean float64
	for _, s := range pcm {
		mean += float64(s)
	}
	mean /= float64(len(pcm))
	silent := true
	n := float64(len(x) - 1)
	for i, s := range pcm {
		v := float64(s) - mean
		if v != 0 {
			silent = false
		}
		x[i] = v * 0.5 * (1 - math.Cos(2*math.Pi*float64(i)/n))
	}
	if silent {
		return 0
	}
	sr := float64(sampleRate)
	hi := min(scanHigh, sr/2-scanStep)
	best, bestP := 0.0, -1.0
	for f := scanLow; f <= hi; f += scanStep {
		if p := goertzel(x, f/sr); p > bestP {
			best, bestP = f, p
		}
	}
	if best == 0 {
		return 0
	}
	// The true peak lies within half a step of the best grid point, and
	// the window's main lobe is unimodal there.
	a, b := max(best-scanStep, scanLow), min(best+scanStep, hi)
	const g = 0.6180339887498949
	c, d := b-g*(b-a), a+g*(b-a)
	pc, pd := goertzel(x, c/sr), goertzel(x, d/sr)
	for b-a > 0.01 {
		if pc > pd {
			b, d, pd = d, c, pc
			c = b - g*(b-a)
			pc = goertzel(x, c/sr)
		} else {
			a, c, pc = c, d, pd
			d = a + g*(b-a)
			pd = goertzel(x, d/sr)
		}
	}
	return (a + b) / 2
}

// goertzel returns the power of x at the given frequency in cycles per
// sample; it is valid for any frequency, not only FFT bins.
func goertzel(x []float64, cycles float64) float64 {
	k := 2 * math.Cos(2*math.Pi*cycles)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+k*s1-s2, s1
	}
	return s1*s1 + s2*s2 - k*s1*s2
}
