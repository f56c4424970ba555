package synth

import (
	"math"
	"time"
)

// echoBlock is the block over which EchoLevel measures power: 20 ms, an
// Opus frame.
const echoBlock = 20 * time.Millisecond

// EchoLevel measures how loud sent comes back in received, by energy, in
// dB: the power of received over the blocks where sent is active,
// relative to the power of sent over them, at the lag in [0, maxLag] where
// the two power envelopes agree best. Both are mono PCM at rate Hz,
// starting at the same instant.
//
// Unlike EchoReturn it is blind to what a speech codec does to the
// waveform (a voice coded twice on its way back keeps its loudness, not
// its shape, so a projection measures far less than is heard), but it
// counts anything else in received at those moments as echo: measure with
// the far side otherwise quiet. ok is false when there is too little to
// measure or sent is silent.
func EchoLevel(sent, received []int16, rate int, maxLag time.Duration) (db float64, lag time.Duration, ok bool) {
	block := int(int64(rate) * int64(echoBlock) / int64(time.Second))
	if rate <= 0 || block == 0 || maxLag < 0 {
		return 0, 0, false
	}
	ps, pr := blockPowers(sent, block), blockPowers(received, block)
	maxL := min(int(maxLag/echoBlock), len(pr)-1)
	active := activeBlocks(sent, block)
	if active == nil || maxL < 0 {
		return 0, 0, false
	}
	l := envelopeLag(ps, pr, active, maxL)
	var sum, sumSent float64
	for i, a := range active {
		if a && i < len(ps) && i+l < len(pr) {
			sum, sumSent = sum+pr[i+l], sumSent+ps[i]
		}
	}
	if sumSent == 0 {
		return 0, 0, false
	}
	db = echoFloorDB
	if sum > 0 {
		db = max(10*math.Log10(sum/sumSent), echoFloorDB)
	}
	return db, time.Duration(l) * echoBlock, true
}

// blockPowers is the mean power of each whole block of pcm.
func blockPowers(pcm []int16, block int) []float64 {
	out := make([]float64, len(pcm)/block)
	for i := range out {
		for _, s := range pcm[i*block : (i+1)*block] {
			out[i] += float64(s) * float64(s)
		}
		out[i] /= float64(block)
	}
	return out
}

// envelopeLag finds the lag (in blocks) at which the log-power envelope
// of received best follows that of sent over sent's active blocks.
func envelopeLag(ps, pr []float64, active []bool, maxL int) int {
	ls, lr := logEnvelope(ps), logEnvelope(pr)
	best, bestScore := 0, math.Inf(-1)
	for l := 0; l <= maxL; l++ {
		var score float64
		for i, a := range active {
			if a && i < len(ls) && i+l < len(lr) {
				score += ls[i] * lr[i+l]
			}
		}
		if score > bestScore {
			best, bestScore = l, score
		}
	}
	return best
}

// logEnvelope is the envelope in dB with its mean removed, so loud and
// quiet stretches weigh alike.
func logEnvelope(p []float64) []float64 {
	out := make([]float64, len(p))
	var mean float64
	for i, v := range p {
		out[i] = 10 * math.Log10(v+1)
		mean += out[i] / float64(len(p))
	}
	for i := range out {
		out[i] -= mean
	}
	return out
}
