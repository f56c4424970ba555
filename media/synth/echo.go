package synth

import (
	"math"
	"math/cmplx"
	"time"
)

// Echo measurement. These are test-fixture helpers: they run once over a
// whole recording, so they favour clarity over speed, but they must still
// handle 30 s at 48 kHz in well under a second, hence the FFT.

const (
	// echoSearchRate is the rate the lag search runs at: speech carries
	// most of its energy below 4 kHz, and a 6× smaller problem at 48 kHz
	// keeps the FFT small. The lag is then refined at the full rate.
	echoSearchRate = 8000
	// echoActiveBelowMean: a 10 ms block of sent counts as active when its
	// power is within this many dB of the mean power of all of sent, so
	// pauses (where received holds nothing of sent) do not dilute the
	// gain estimate.
	echoActiveBelowMean = 20.0
	// echoSilenceDBFS: blocks below this are silence whatever the mean.
	echoSilenceDBFS = -80.0
	// echoFloorDB is what EchoReturn reports for a gain of (nearly) zero.
	echoFloorDB = -120.0
)

// EchoReturn measures how loud sent comes back inside received, relative to
// how loud it was sent, in dB (0 dB: at full level; -3 dB: attenuated by
// 3 dB). Both are mono PCM at rate Hz, starting at the same instant.
//
// It finds the lag in [0, maxLag] at which the normalised cross-correlation
// of the two is largest, then takes the least-squares gain of sent, shifted
// by that lag, within received, over the stretches where sent is active:
// 20·log10(|gain|). Because it is a projection, anything in received that is
// uncorrelated with sent (a near-end talker, noise) does not count, so it
// measures echo during double talk, and residual echo after an echo
// canceller. A gain too small to measure gives -120 dB.
//
// ok is false when the inputs are empty, maxLag is negative, rate is not
// positive or sent is silent.
func EchoReturn(sent, received []int16, rate int, maxLag time.Duration) (db float64, lag time.Duration, ok bool) {
	maxL := min(int(int64(maxLag)*int64(rate)/int64(time.Second)), len(received)-1)
	if rate <= 0 || maxLag < 0 || maxL < 0 || len(sent) == 0 {
		return 0, 0, false
	}
	block := max(rate/100, 1)
	active := activeBlocks(sent, block)
	if active == nil {
		return 0, 0, false
	}
	q := max(rate/echoSearchRate, 1)
	coarse := bestLag(decimate(sent, q), decimate(received, q), (maxL+q-1)/q)
	l := refineLag(sent, received, max(coarse*q-q, 0), min(coarse*q+q, maxL))
	g := projectGain(sent, received, l, active, block)
	db = echoFloorDB
	if math.Abs(g) > 1e-6 {
		db = 20 * math.Log10(math.Abs(g))
	}
	return db, time.Duration(l) * time.Second / time.Duration(rate), true
}

// activeBlocks marks the blocks of pcm that hold signal; nil if none do.
func activeBlocks(pcm []int16, block int) []bool {
	n := (len(pcm) + block - 1) / block
	power := make([]float64, n)
	var mean float64
	for i := range power {
		seg := pcm[i*block : min((i+1)*block, len(pcm))]
		for _, s := range seg {
			power[i] += float64(s) * float64(s)
		}
		power[i] /= float64(len(seg))
		mean += power[i] / float64(n)
	}
	full := 32768.0 * 32768.0
	floor := max(mean*math.Pow(10, -echoActiveBelowMean/10), full*math.Pow(10, echoSilenceDBFS/10))
	active := make([]bool, n)
	any := false
	for i, p := range power {
		active[i] = p >= floor
		any = any || active[i]
	}
	if !any {
		return nil
	}
	return active
}

// decimate averages every q samples: a crude low-pass, enough for finding
// a lag that refineLag then corrects to the sample.
func decimate(pcm []int16, q int) []float64 {
	out := make([]float64, (len(pcm)+q-1)/q)
	for i, s := range pcm {
		out[i/q] += float64(s)
	}
	return out
}

// bestLag returns the l in [0, maxL] that maximises the magnitude of the
// normalised cross-correlation Σ a[n]·b[n+l] over their overlap. The
// correlations for all lags come from one FFT product.
func bestLag(a, b []float64, maxL int) int {
	maxL = min(maxL, len(b)-1)
	n := 1
	for n < len(a)+len(b) {
		n <<= 1
	}
	fa, fb := make([]complex128, n), make([]complex128, n)
	for i, v := range a {
		fa[i] = complex(v, 0)
	}
	for i, v := range b {
		fb[i] = complex(v, 0)
	}
	fft(fa, false)
	fft(fb, false)
	for i := range fa {
		fa[i] = cmplx.Conj(fa[i]) * fb[i]
	}
	fft(fa, true) // fa[l] = n · Σ a[k]·b[k+l]
	ea, eb := prefixEnergy(a), prefixEnergy(b)
	best, bestC := 0, -1.0
	for l := 0; l <= maxL; l++ {
		m := min(len(a), len(b)-l)
		den := math.Sqrt(ea[m] * (eb[l+m] - eb[l]))
		if den <= 0 {
			continue
		}
		if c := math.Abs(real(fa[l])) / float64(n) / den; c > bestC {
			best, bestC = l, c
		}
	}
	return best
}

// prefixEnergy returns p with p[i] = Σ x[k]² for k < i.
func prefixEnergy(x []float64) []float64 {
	p := make([]float64, len(x)+1)
	for i, v := range x {
		p[i+1] = p[i] + v*v
	}
	return p
}

// refineLag returns the lag in [lo, hi] with the largest normalised
// cross-correlation, computed directly at the full rate.
func refineLag(sent, received []int16, lo, hi int) int {
	best, bestC := lo, -1.0
	for l := lo; l <= hi && l < len(received); l++ {
		var sr, ss, rr float64
		for n := 0; n < len(sent) && n+l < len(received); n++ {
			s, r := float64(sent[n]), float64(received[n+l])
			sr, ss, rr = sr+s*r, ss+s*s, rr+r*r
		}
		if ss > 0 && rr > 0 {
			if c := math.Abs(sr) / math.Sqrt(ss*rr); c > bestC {
				best, bestC = l, c
			}
		}
	}
	return best
}

// projectGain is the least-squares gain g minimising |received[n+l] -
// g·sent[n]|² over the active blocks of sent.
func projectGain(sent, received []int16, l int, active []bool, block int) float64 {
	var sr, ss float64
	for i, on := range active {
		if !on {
			continue
		}
		for n := i * block; n < min((i+1)*block, len(sent), len(received)-l); n++ {
			s := float64(sent[n])
			sr += s * float64(received[n+l])
			ss += s * s
		}
	}
	if ss == 0 {
		return 0
	}
	return sr / ss
}

// fft transforms x in place (len(x) a power of two): radix-2
// decimation in time. The inverse is unscaled.
func fft(x []complex128, inverse bool) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	for size := 2; size <= n; size <<= 1 {
		half := size / 2
		w := cmplx.Rect(1, sign*2*math.Pi/float64(size))
		for start := 0; start < n; start += size {
			wk := complex(1, 0)
			for k := range half {
				u, v := x[start+k], x[start+k+half]*wk
				x[start+k], x[start+k+half] = u+v, u-v
				wk *= w
			}
		}
	}
}
