package synth

import (
	"math"
	"math/rand/v2"
	"time"

	"confer/media"
)

// Signal is what a synthetic microphone hears: Fill writes len(pcm)
// samples of 48 kHz mono whose first sample is captured at start.
type Signal interface {
	Fill(pcm []int16, start time.Time)
}

// Clip plays recorded PCM (48 kHz mono) in a loop, placed by absolute
// time, so consecutive calls join seamlessly and a listener knows which
// sample was sent when.
type Clip struct {
	PCM  []int16
	Gain float64 // linear; 0 means 1
}

// Fill implements Signal.
func (c *Clip) Fill(pcm []int16, start time.Time) {
	if len(c.PCM) == 0 {
		clear(pcm)
		return
	}
	g := c.Gain
	if g == 0 {
		g = 1
	}
	at := start.UnixNano() / int64(time.Second/media.SampleRate)
	n := int64(len(c.PCM))
	for i := range pcm {
		pcm[i] = toPCM(g * float64(c.PCM[(at+int64(i))%n]) / math.MaxInt16)
	}
}

// Noise is pink (1/f) noise at Level dBFS RMS, like a fan or a room: the
// Voss–McCartney sum of 16 white sources, source k refreshed every 2^k
// samples, from a fixed seed. Noise suppression is built to remove such
// stationary noise.
type Noise struct {
	Level float64 // dBFS

	r    *rand.Rand
	rows [16]float64
	sum  float64
	n    int
}

// pinkRMS is the RMS of the unscaled Voss–McCartney sum of 16 unit
// sources plus one: about √17.
var pinkRMS = math.Sqrt(17)

// Fill implements Signal; consecutive calls continue the noise.
func (z *Noise) Fill(pcm []int16, _ time.Time) {
	if z.r == nil {
		z.r = rand.New(rand.NewPCG(1, 2))
	}
	g := math.Pow(10, z.Level/20) / pinkRMS
	for i := range pcm {
		k := 0
		for k < len(z.rows)-1 && (z.n>>k)&1 == 0 {
			k++
		}
		v := z.r.NormFloat64()
		z.sum += v - z.rows[k]
		z.rows[k] = v
		z.n++
		pcm[i] = toPCM(g * (z.sum + z.r.NormFloat64()))
	}
}

// Mix is the sum of its signals, clipped.
type Mix struct {
	Signals []Signal
	buf     []int16
}

// Fill implements Signal.
func (m *Mix) Fill(pcm []int16, start time.Time) {
	clear(pcm)
	if cap(m.buf) < len(pcm) {
		m.buf = make([]int16, len(pcm))
	}
	buf := m.buf[:len(pcm)]
	for _, s := range m.Signals {
		s.Fill(buf, start)
		for i, v := range buf {
			pcm[i] = int16(max(-32768, min(32767, int32(pcm[i])+int32(v))))
		}
	}
}
