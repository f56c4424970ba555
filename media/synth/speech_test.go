package synth

import (
	"errors"
	"math"
	"testing"
	"time"

	"confer/media"
)

// skipWithoutSpeech skips the test when espeak-ng is missing.
func skipWithoutSpeech(t testing.TB) {
	t.Helper()
	if _, err := Speech("a", media.SampleRate); errors.Is(err, ErrNoSpeechSynth) {
		t.Skip("espeak-ng not installed: apt-get install espeak-ng")
	}
}

// speechOrSkip returns d of SpeechLoop at 48 kHz starting at phrase first,
// or skips the test when espeak-ng is missing.
func speechOrSkip(t testing.TB, d time.Duration, first int) []int16 {
	t.Helper()
	skipWithoutSpeech(t)
	phrases := SpeechPhrases()
	phrases = append(phrases[first:], phrases[:first]...)
	pcm, err := SpeechLoop(d, media.SampleRate, phrases)
	if errors.Is(err, ErrNoSpeechSynth) {
		t.Skip("espeak-ng not installed: apt-get install espeak-ng")
	}
	if err != nil {
		t.Fatal(err)
	}
	return pcm
}

func TestSpeechSoundsLikeSpeech(t *testing.T) {
	skipWithoutSpeech(t)
	phrase := SpeechPhrases()[0]
	pcm, err := Speech(phrase, media.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	secs := float64(len(pcm)) / media.SampleRate
	level := 20 * math.Log10(RMS(pcm))
	pitch := DominantFrequency(pcm, media.SampleRate)
	hf := highBandShare(pcm)
	t.Logf("%q: %.2f s, %.1f dBFS RMS, strongest component %.0f Hz, %.1f dB of the energy above 12 kHz",
		phrase, secs, level, pitch, 10*math.Log10(hf))
	// Nine words take a talker two to four seconds.
	if secs < 1.5 || secs > 5 {
		t.Errorf("phrase lasts %.2f s, want 1.5–5 s", secs)
	}
	if level < -40 || level > -6 {
		t.Errorf("level %.1f dBFS, want an ordinary speech level", level)
	}
	// Voiced speech: fundamental and formants lie between 80 Hz and 3 kHz.
	if pitch < 80 || pitch > 3000 {
		t.Errorf("strongest component %.0f Hz is not in the speech range", pitch)
	}
	// The resampler must not leave images of the 11 kHz band edge: above
	// 12 kHz there should be next to nothing.
	if hf > 1e-4 {
		t.Errorf("%.2g of the energy is above 12 kHz: resampling images", hf)
	}
}

// highBandShare is the fraction of 48 kHz pcm's energy above 12 kHz, from
// its spectrum.
func highBandShare(pcm []int16) float64 {
	n := 1
	for n < len(pcm) {
		n <<= 1
	}
	x := make([]complex128, n)
	for i, s := range pcm {
		x[i] = complex(float64(s), 0)
	}
	fft(x, false)
	var hi, all float64
	for k := 1; k < n/2; k++ {
		p := real(x[k])*real(x[k]) + imag(x[k])*imag(x[k])
		all += p
		if k*media.SampleRate/n > 12000 {
			hi += p
		}
	}
	return hi / all
}

func TestSpeechLoopLengthAndPauses(t *testing.T) {
	pcm := speechOrSkip(t, 20*time.Second, 0)
	if len(pcm) != 20*media.SampleRate {
		t.Fatalf("got %d samples, want %d", len(pcm), 20*media.SampleRate)
	}
	// Every phrase is followed by a pause: count silent 100 ms stretches.
	pauses, block := 0, media.SampleRate/10
	for i := 0; i+block <= len(pcm); i += block {
		if RMS(pcm[i:i+block]) < 1e-4 {
			pauses++
		}
	}
	t.Logf("20 s loop: %d silent 100 ms blocks", pauses)
	if pauses < 10 || pauses > 120 {
		t.Errorf("%d silent 100 ms blocks, want pauses between phrases but mostly speech", pauses)
	}
	// Another start phrase gives another talker.
	other := speechOrSkip(t, 20*time.Second, 2)
	db, _, _ := EchoReturn(pcm, other, media.SampleRate, 0)
	t.Logf("loops starting at phrases 0 and 2 correlate at %.1f dB", db)
	if db > -20 {
		t.Errorf("loops from different phrases correlate at %.1f dB", db)
	}
}

func TestSpeechCachedCopies(t *testing.T) {
	skipWithoutSpeech(t)
	a, err := Speech("cache me", 16000)
	if err != nil {
		t.Fatal(err)
	}
	a[0], a[len(a)/2] = 12345, 12345
	start := time.Now()
	b, err := Speech("cache me", 16000)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Millisecond {
		t.Errorf("second call took %v: not cached", took)
	}
	if b[len(b)/2] == 12345 {
		t.Error("a caller's change leaked into the cache")
	}
}

func TestSpeechErrors(t *testing.T) {
	if _, err := Speech("x", 0); err == nil {
		t.Error("rate 0 accepted")
	}
	for _, b := range [][]byte{nil, []byte("RIFF0000WAVE"), []byte("not a wav file at all")} {
		if _, _, err := decodeWAV(b); err == nil {
			t.Errorf("decodeWAV(%q) accepted", b)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Speech("not cached phrase", 8000); !errors.Is(err, ErrNoSpeechSynth) {
		t.Errorf("without espeak-ng got %v, want ErrNoSpeechSynth", err)
	}
}
