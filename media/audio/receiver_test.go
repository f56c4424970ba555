package audio

import (
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"

	"confer/media"
	"confer/media/codec"
	"confer/media/mediatest"
	"confer/media/synth"
)

func TestReceiveConcealsLossAndKeepsPitch(t *testing.T) {
	enc, err := codec.NewOpusEncoder(1, codec.OpusVoIP, 32000)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	tone := synth.Tone{Freq: 440, Amplitude: 0.3}
	pcm := make([]int16, media.FrameSamples)
	start := time.Unix(1000, 0)
	f := &mediatest.Feed{}
	const frames = 50
	for i := 0; i < frames; i++ {
		tone.Fill(pcm, start.Add(time.Duration(i)*media.FrameTime))
		data, err := enc.Encode(pcm, make([]byte, 1500))
		if err != nil {
			t.Fatal(err)
		}
		if i == 20 || i == 21 || i == 35 {
			continue // lost
		}
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(65530 + i), Timestamp: uint32(i * 960)}, Payload: data}
		f.Add(&p)
		if i == 10 {
			f.Add(&p) // duplicate
		}
	}
	var got []int16
	if err := Receive(f, media.PCMSinkFunc(func(p []int16) { got = append(got, p...) })); err != nil {
		t.Fatal(err)
	}
	if len(got) != frames*media.FrameSamples {
		t.Fatalf("got %d samples, want %d: loss must be filled, duplicates dropped", len(got), frames*media.FrameSamples)
	}
	if fq := synth.DominantFrequency(got, media.SampleRate); math.Abs(fq-440) > 5 {
		t.Fatalf("pitch %.1f Hz after loss, want 440", fq)
	}
}
