package synth

import (
	"math"
	"time"
)

// Chime is a short notification sound: one note per frequency, one after
// another, each a sine with its octave above at a third of the level, a
// 5 ms attack and a decay to silence, so it starts and ends without a
// click. level is the peak, 0–1 of full scale.
func Chime(rate int, note time.Duration, level float64, freqs ...float64) []int16 {
	n := int(note.Seconds() * float64(rate))
	attack := max(1, rate/200)
	out := make([]int16, 0, n*len(freqs))
	for _, f := range freqs {
		for i := range n {
			env := math.Exp(-5 * float64(i) / float64(n)) // ≈ -43 dB at the end
			if i < attack {
				env *= float64(i) / float64(attack)
			}
			env *= float64(n-i) / float64(n) // reaches zero at the end
			t := float64(i) / float64(rate)
			v := math.Sin(2*math.Pi*f*t) + math.Sin(4*math.Pi*f*t)/3
			out = append(out, int16(level*env*v*0.75*32767))
		}
	}
	return out
}
