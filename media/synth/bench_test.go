package synth

import (
	"testing"
	"time"

	"confer/media"
)

func BenchmarkPatternDraw720p(b *testing.B) {
	p := NewPattern(1280, 720)
	f := media.NewI420(1280, 720)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		p.Draw(f, n)
		n++
	}
}

func BenchmarkStampTime720p(b *testing.B) {
	f := media.NewI420(1280, 720)
	b.ReportAllocs()
	for b.Loop() {
		StampTime(f, testTime)
	}
}

func BenchmarkReadTime720p(b *testing.B) {
	f := stamped(1280, 720, testTime)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := ReadTime(f); !ok {
			b.Fatal("unreadable")
		}
	}
}

func BenchmarkToneFill20ms(b *testing.B) {
	tone := &Tone{Freq: 440, Amplitude: 0.5, ClickEvery: time.Second}
	pcm := make([]int16, media.FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		tone.Fill(pcm, testTime)
	}
}
