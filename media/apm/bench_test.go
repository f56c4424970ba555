package apm

import (
	"testing"
	"time"

	"confer/media"
)

var allOn = Config{EchoCancellation: true, NoiseSuppression: true, AutoGain: true, HighPass: true, VoiceDetection: true}

// BenchmarkProcess20ms costs one 20 ms frame each way with everything on:
// render, then capture, as the audio callbacks would. The budget is 3 % of
// a core, 600 µs per frame; the %core metric is that share.
func BenchmarkProcess20ms(b *testing.B) {
	far := talker(b, 10*time.Second, 0)
	capture := mix(delayed(far, 80*time.Millisecond, -3), pinkNoise(len(far), -50))
	p, err := New(allOn)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	p.SetStreamDelay(80 * time.Millisecond)
	frame := make([]int16, media.FrameSamples)
	frames := len(far) / media.FrameSamples
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		at := (i % frames) * media.FrameSamples
		if err := p.ProcessRender(far[at : at+media.FrameSamples]); err != nil {
			b.Fatal(err)
		}
		copy(frame, capture[at:])
		if _, err := p.ProcessCapture(frame); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	perFrame := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(100*perFrame/float64(media.FrameTime.Nanoseconds()), "%core")
}
