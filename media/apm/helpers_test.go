package apm

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"confer/media"
	"confer/media/synth"
)

const rate = media.SampleRate

// samples converts a duration to a sample count at 48 kHz.
func samples(d time.Duration) int { return int(int64(d) * rate / int64(time.Second)) }

// talker returns d of speech starting at phrase first, so different firsts
// are different talkers; it skips the test without espeak-ng.
func talker(t testing.TB, d time.Duration, first int) []int16 {
	t.Helper()
	phrases := synth.SpeechPhrases()
	phrases = append(phrases[first:], phrases[:first]...)
	pcm, err := synth.SpeechLoop(d, rate, phrases)
	if errors.Is(err, synth.ErrNoSpeechSynth) {
		t.Skip("espeak-ng not installed: apt-get install espeak-ng")
	}
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

// delayed returns pcm delayed by d and scaled by gainDB: a loudspeaker as a
// microphone hears it in a simple room.
func delayed(pcm []int16, d time.Duration, gainDB float64) []int16 {
	out := make([]int16, len(pcm))
	shift, g := samples(d), math.Pow(10, gainDB/20)
	for i := shift; i < len(out); i++ {
		out[i] = sat(float64(pcm[i-shift]) * g)
	}
	return out
}

// mix returns a+b, saturating.
func mix(a, b []int16) []int16 {
	out := make([]int16, len(a))
	for i := range out {
		out[i] = sat(float64(a[i]) + float64(b[i]))
	}
	return out
}

func sat(v float64) int16 { return int16(min(max(math.Round(v), math.MinInt16), math.MaxInt16)) }

// process runs far (may be nil: no far end) and capture through p in 20 ms
// frames, render first, as an audio device delivers them, and returns the
// processed capture and, per 10 ms chunk, whether the VAD heard voice.
func process(t testing.TB, p *Processor, far, capture []int16) (out []int16, voice []bool) {
	t.Helper()
	out = append([]int16(nil), capture...)
	for i := 0; i+media.FrameSamples <= len(out); i += media.FrameSamples {
		if far != nil {
			if err := p.ProcessRender(far[i : i+media.FrameSamples]); err != nil {
				t.Fatal(err)
			}
		}
		for c := i; c < i+media.FrameSamples; c += ChunkSamples {
			v, err := p.ProcessCapture(out[c : c+ChunkSamples])
			if err != nil {
				t.Fatal(err)
			}
			voice = append(voice, v)
		}
	}
	return out, voice
}

// blockRMS returns the level in dBFS of each 10 ms chunk of pcm.
func blockRMS(pcm []int16) []float64 {
	out := make([]float64, len(pcm)/ChunkSamples)
	for i := range out {
		out[i] = dBFS(synth.RMS(pcm[i*ChunkSamples : (i+1)*ChunkSamples]))
	}
	return out
}

func dBFS(rms float64) float64 { return 20 * math.Log10(max(rms, 1e-9)) }

// levelWhere is the RMS level in dBFS of pcm over the 10 ms chunks, from
// chunk `from` on, for which keep is true.
func levelWhere(pcm []int16, from int, keep func(i int) bool) float64 {
	var sum float64
	n := 0
	for i := from; (i+1)*ChunkSamples <= len(pcm); i++ {
		if !keep(i) {
			continue
		}
		for _, s := range pcm[i*ChunkSamples : (i+1)*ChunkSamples] {
			sum += float64(s) * float64(s)
		}
		n += ChunkSamples
	}
	if n == 0 {
		return math.Inf(-1)
	}
	return dBFS(math.Sqrt(sum/float64(n)) / 32768)
}

// speaking marks the chunks of clean speech that are within 30 dB of its
// loudest, i.e. where a listener hears the talker.
func speaking(clean []int16) []bool {
	lv := blockRMS(clean)
	peak := math.Inf(-1)
	for _, v := range lv {
		peak = max(peak, v)
	}
	out := make([]bool, len(lv))
	for i, v := range lv {
		out[i] = v > peak-30
	}
	return out
}

// scaleTo scales pcm so that its level over the speaking chunks is dbfs.
func scaleTo(pcm []int16, dbfs float64) []int16 {
	act := speaking(pcm)
	g := math.Pow(10, (dbfs-levelWhere(pcm, 0, func(i int) bool { return act[i] }))/20)
	out := make([]int16, len(pcm))
	for i, s := range pcm {
		out[i] = sat(float64(s) * g)
	}
	return out
}

// pinkNoise returns n samples of pink (1/f) noise at rms dBFS: the
// Voss–McCartney sum of 16 white sources, source k refreshed every 2^k
// samples, from a fixed seed so every run hears the same noise.
func pinkNoise(n int, dbfs float64) []int16 {
	r := rand.New(rand.NewPCG(1, 2))
	var rows [16]float64
	var sum float64
	x := make([]float64, n)
	for i := range x {
		// The lowest set bit of i picks the source to refresh.
		k := 0
		for k < len(rows)-1 && (i>>k)&1 == 0 {
			k++
		}
		v := r.NormFloat64()
		sum += v - rows[k]
		rows[k] = v
		x[i] = sum + r.NormFloat64()
	}
	var ss float64
	for _, v := range x {
		ss += v * v
	}
	g := math.Pow(10, dbfs/20) * 32768 / math.Sqrt(ss/float64(n))
	out := make([]int16, n)
	for i, v := range x {
		out[i] = sat(v * g)
	}
	return out
}

// roomNoise is a quiet room as a microphone hears it: pink noise at
// -60 dBFS. Without it the echo canceller's output can be digital silence,
// which would flatter it.
func roomNoise(n int) []int16 { return pinkNoise(n, -60) }
