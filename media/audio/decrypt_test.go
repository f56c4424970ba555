package audio

import (
	"math"
	"testing"
	"time"

	"github.com/pion/rtp"

	"confer/media"
	"confer/media/codec"
	"confer/media/e2ee"
	"confer/media/mediatest"
	"confer/media/synth"
)

// encryptedTone is a second of a 440 Hz tone in Opus packets, each
// encrypted with ring's key.
func encryptedTone(t *testing.T, ring *e2ee.KeyRing) *mediatest.Feed {
	t.Helper()
	enc, err := codec.NewOpusEncoder(1, codec.OpusVoIP, 32000)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	tone := synth.Tone{Freq: 440, Amplitude: 0.3}
	seal := e2ee.NewFrameCryptor(ring, 7)
	pcm := make([]int16, media.FrameSamples)
	f := &mediatest.Feed{}
	for i := 0; i < 50; i++ {
		tone.Fill(pcm, time.Unix(1000, 0).Add(time.Duration(i)*media.FrameTime))
		data, err := enc.Encode(pcm, make([]byte, 1500))
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := seal.Encrypt(nil, data, e2ee.Opus, uint32(i*960))
		if err != nil {
			t.Fatal(err)
		}
		f.Add(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(i), Timestamp: uint32(i * 960)}, Payload: sealed})
	}
	return f
}

func ring(t *testing.T, pass string) *e2ee.KeyRing {
	t.Helper()
	r, err := e2ee.NewPassphraseKeyRing(pass)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func opener(r *e2ee.KeyRing, refused *int) media.Decrypt {
	open := e2ee.NewFrameCryptor(r, 0)
	return func(dst, frame []byte) ([]byte, error) {
		out, err := open.Decrypt(dst, frame, e2ee.Opus)
		if err != nil {
			*refused++
		}
		return out, err
	}
}

func TestReceiveDecryptsEachPacket(t *testing.T) {
	key := ring(t, "same")
	var got []int16
	refused := 0
	sink := media.PCMSinkFunc(func(p []int16) { got = append(got, p...) })
	if err := ReceiveWith(encryptedTone(t, key), sink, ReceiverConfig{Decrypt: opener(key, &refused)}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 50*media.FrameSamples || refused != 0 {
		t.Fatalf("%d samples, %d packets refused; want a second, none", len(got), refused)
	}
	if fq := synth.DominantFrequency(got, media.SampleRate); math.Abs(fq-440) > 5 {
		t.Fatalf("pitch %.1f Hz, want 440", fq)
	}
}

// Packets that do not decrypt are never decoded: nothing is played.
func TestReceivePlaysNothingThatDoesNotDecrypt(t *testing.T) {
	samples, refused := 0, 0
	sink := media.PCMSinkFunc(func(p []int16) { samples += len(p) })
	err := ReceiveWith(encryptedTone(t, ring(t, "theirs")), sink, ReceiverConfig{Decrypt: opener(ring(t, "mine"), &refused)})
	if err != nil {
		t.Fatal(err)
	}
	if samples != 0 || refused != 50 {
		t.Fatalf("%d samples played, %d packets refused; want 0, 50", samples, refused)
	}
}
