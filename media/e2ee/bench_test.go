package e2ee

import "testing"

// BenchmarkEncryptDecrypt measures one frame through Encrypt and Decrypt
// with reused buffers, at 720p30 VP8 sizes and a 20 ms Opus packet.
func BenchmarkEncryptDecrypt(b *testing.B) {
	for _, bc := range []struct {
		name  string
		codec Codec
		frame []byte
	}{
		{"VP8Delta6kB", VP8, vp8Frame(6*1024, false)},
		{"VP8Key40kB", VP8, vp8Frame(40*1024, true)},
		{"Opus120B", Opus, opusFrame(120)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := NewFrameCryptor(testRing(b), 1)
			enc := make([]byte, 0, len(bc.frame)+FrameOverhead)
			dec := make([]byte, 0, len(bc.frame)+FrameOverhead)
			b.SetBytes(int64(len(bc.frame)))
			b.ReportAllocs()
			var err error
			ts := uint32(0)
			for b.Loop() {
				ts += 3000
				if enc, err = f.Encrypt(enc[:0], bc.frame, bc.codec, ts); err != nil {
					b.Fatal(err)
				}
				if dec, err = f.Decrypt(dec[:0], enc, bc.codec); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkKeyFromPassphraseUncached(b *testing.B) {
	for b.Loop() {
		if _, err := deriveKey(testPassphrase); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkE2EEStream720p30 is what end-to-end encryption adds to one
// 720p30 call stream with its microphone, sender and receiver together:
// one op is one second of it, 29 VP8 delta frames of 6 kB and a 40 kB
// keyframe (1.5 Mbit/s, with a keyframe every second, which is more than a
// camera sends), and 50 Opus packets of 120 B, each encrypted and
// decrypted. ms/op ÷ 10 is the percentage of one core; "%core" says it.
func BenchmarkE2EEStream720p30(b *testing.B) {
	delta, key, opus := vp8Frame(6*1024, false), vp8Frame(40*1024, true), opusFrame(120)
	video, audio := NewFrameCryptor(testRing(b), 1), NewFrameCryptor(testRing(b), 2)
	enc := make([]byte, 0, len(key)+FrameOverhead)
	dec := make([]byte, 0, len(key)+FrameOverhead)
	b.ReportAllocs()
	var err error
	ts := uint32(0)
	round := func(f *FrameCryptor, frame []byte, codec Codec) {
		ts += 960
		if enc, err = f.Encrypt(enc[:0], frame, codec, ts); err != nil {
			b.Fatal(err)
		}
		if dec, err = f.Decrypt(dec[:0], enc, codec); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		round(video, key, VP8)
		for range 29 {
			round(video, delta, VP8)
		}
		for range 50 {
			round(audio, opus, Opus)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e9*100, "%core")
}
