package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"
)

// Speech is test-fixture material: real speech, unlike a tone, has the
// pauses, pitch movement and spectrum that echo cancellers, noise
// suppressors and voice detectors are built for. It comes from the
// espeak-ng command rather than recordings so nothing large is checked in
// and any phrase is at hand.

// ErrNoSpeechSynth is returned by Speech and SpeechLoop when espeak-ng is
// not installed (Debian package espeak-ng); tests t.Skip on it.
var ErrNoSpeechSynth = errors.New("synth: espeak-ng is not installed (apt-get install espeak-ng)")

// errBadWAV reports espeak-ng output that is not 16-bit mono PCM WAV.
var errBadWAV = errors.New("synth: espeak-ng wrote an unexpected WAV")

// SpeechPause is the silence SpeechLoop leaves after each phrase: long
// enough for a voice detector to fall silent and for a noise measurement to
// find noise-only stretches.
const SpeechPause = 500 * time.Millisecond

// speechPhrases are distinct in wording and rhythm so two loops started at
// different phrases make uncorrelated "talkers" for double-talk tests.
var speechPhrases = []string{
	"The quick brown fox jumps over the lazy dog.",
	"Please call Stella and ask her to bring these things with her from the store.",
	"Can you hear me now? I think the connection is better than it was this morning.",
	"Six spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a snack for her brother Bob.",
	"We also need a small plastic snake and a big toy frog for the kids.",
}

// SpeechPhrases returns the English phrases SpeechLoop speaks, in order.
func SpeechPhrases() []string { return slices.Clone(speechPhrases) }

type speechKey struct {
	text string
	rate int
}

// speechCache keeps synthesized phrases for the life of the process:
// espeak-ng takes tens of milliseconds per phrase and tests ask for the same
// ones again and again.
var speechCache sync.Map // speechKey → []int16

// Speech speaks text in English with espeak-ng and returns it as mono
// 16-bit PCM at rate Hz (espeak-ng's own rate, 22050 Hz, resampled). The
// result is a fresh copy the caller may modify.
func Speech(text string, rate int) ([]int16, error) {
	if rate < 1000 || rate > 384000 {
		return nil, fmt.Errorf("synth: speech sample rate %d out of range", rate)
	}
	key := speechKey{text, rate}
	if v, ok := speechCache.Load(key); ok {
		return slices.Clone(v.([]int16)), nil
	}
	pcm, srcRate, err := espeak(text)
	if err != nil {
		return nil, err
	}
	pcm = resample(pcm, srcRate, rate)
	speechCache.Store(key, pcm)
	return slices.Clone(pcm), nil
}

// espeak runs espeak-ng, text on standard input so that text starting with
// a dash is not read as an option.
func espeak(text string) ([]int16, int, error) {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil, 0, ErrNoSpeechSynth
	}
	cmd := exec.Command(bin, "--stdout", "-v", "en")
	cmd.Stdin = strings.NewReader(text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("synth: espeak-ng: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return decodeWAV(out)
}

// decodeWAV reads 16-bit mono PCM from a RIFF WAV. espeak-ng writing to a
// pipe cannot seek back to fill in the sizes, so a data chunk claiming more
// than is there is taken to run to the end.
func decodeWAV(b []byte) ([]int16, int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errBadWAV
	}
	rate := 0
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		body := b[p+8:]
		size = min(size, len(body))
		switch id {
		case "fmt ":
			if size < 16 || binary.LittleEndian.Uint16(body[0:2]) != 1 ||
				binary.LittleEndian.Uint16(body[2:4]) != 1 ||
				binary.LittleEndian.Uint16(body[14:16]) != 16 {
				return nil, 0, errBadWAV
			}
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
		case "data":
			if rate == 0 {
				return nil, 0, errBadWAV
			}
			pcm := make([]int16, size/2)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return pcm, rate, nil
		}
		p += 8 + size + size&1
	}
	return nil, 0, errBadWAV
}

// SpeechLoop returns d of speech at rate Hz: phrases (SpeechPhrases when
// nil) spoken one after another, each followed by SpeechPause of silence,
// starting over until d is filled. Two loops with the phrases in different
// orders make two different talkers.
func SpeechLoop(d time.Duration, rate int, phrases []string) ([]int16, error) {
	if phrases == nil {
		phrases = speechPhrases
	}
	want := int(int64(d) * int64(rate) / int64(time.Second))
	if want <= 0 || len(phrases) == 0 {
		return nil, nil
	}
	pause := make([]int16, int(int64(SpeechPause)*int64(rate)/int64(time.Second)))
	out := make([]int16, 0, want+rate)
	for i := 0; len(out) < want; i++ {
		pcm, err := Speech(phrases[i%len(phrases)], rate)
		if err != nil {
			return nil, err
		}
		out = append(append(out, pcm...), pause...)
	}
	return out[:want], nil
}

// resampleTaps is the windowed-sinc half length in input samples, and
// resamplePhases the number of fractional positions tabulated. The
// resampler only makes test fixtures from espeak-ng's 22050 Hz, so it is
// plain and slow-ish rather than clever; its images and phase error stay
// below about -60 dB, far under anything the tests measure.
const (
	resampleTaps   = 16
	resamplePhases = 1024
)

// resample converts pcm from rate from to rate to with a Blackman-windowed
// sinc interpolator, low-passed at the lower Nyquist frequency.
func resample(pcm []int16, from, to int) []int16 {
	if from == to || len(pcm) == 0 {
		return slices.Clone(pcm)
	}
	cut := min(1, float64(to)/float64(from)) // cutoff as a fraction of the input Nyquist
	half := int(math.Ceil(resampleTaps / cut))
	table := sincTable(half, cut)
	n := int(int64(len(pcm)) * int64(to) / int64(from))
	out := make([]int16, n)
	step := float64(from) / float64(to)
	for i := range out {
		t := float64(i) * step
		base := int(t)
		phase := int((t-float64(base))*resamplePhases + 0.5)
		if phase == resamplePhases {
			base, phase = base+1, 0
		}
		taps := table[phase*2*half : (phase+1)*2*half]
		var acc float64
		for k, w := range taps {
			if j := base - half + 1 + k; j >= 0 && j < len(pcm) {
				acc += w * float64(pcm[j])
			}
		}
		out[i] = int16(min(max(math.Round(acc), math.MinInt16), math.MaxInt16))
	}
	return out
}

// sincTable holds, for each of resamplePhases fractional positions f, the
// 2·half weights of input samples base-half+1 .. base+half for an output
// at base+f.
func sincTable(half int, cut float64) []float64 {
	table := make([]float64, resamplePhases*2*half)
	for p := range resamplePhases {
		f := float64(p) / resamplePhases
		for k := range 2 * half {
			x := f - float64(k-half+1) // distance from the output point
			table[p*2*half+k] = cut * sinc(cut*x) * blackman(x/float64(half))
		}
	}
	return table
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// blackman is the Blackman window on [-1, 1], zero outside.
func blackman(u float64) float64 {
	if u <= -1 || u >= 1 {
		return 0
	}
	a := math.Pi * (u + 1)
	return 0.42 - 0.5*math.Cos(a) + 0.08*math.Cos(2*a)
}
