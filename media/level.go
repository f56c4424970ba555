package media

import "math"

// RMS returns the root-mean-square level of pcm as a fraction of full
// scale (a full-scale sine gives ~0.707). Empty input gives 0.
func RMS(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, s := range pcm {
		v := float64(s)
		sum += v * v
	}
	return math.Sqrt(sum/float64(len(pcm))) / 32768
}
