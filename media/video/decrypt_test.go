package video

import (
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"confer/media"
	"confer/media/codec"
	"confer/media/e2ee"
	"confer/media/mediatest"
	"confer/media/synth"
)

// encryptedFeed is n frames of the test pattern at 30 fps (keyframes at
// keyAt), each encrypted whole with ring's key before packetization, as an
// end-to-end encrypting sender sends them.
func encryptedFeed(t *testing.T, ring *e2ee.KeyRing, n int, keyAt map[int]bool) *mediatest.Feed {
	t.Helper()
	const w, h = 320, 240
	enc, err := codec.NewVP8Encoder(codec.VP8Config{Width: w, Height: h, BitrateKbps: 600})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	pat := synth.NewPattern(w, h)
	f := media.NewI420(w, h)
	pk := rtp.NewPacketizer(400, 96, 1234, &codecs.VP8Payloader{EnablePictureID: true}, rtp.NewRandomSequencer(), 90000)
	seal := e2ee.NewFrameCryptor(ring, 1234)
	feed := &mediatest.Feed{}
	for i := 0; i < n; i++ {
		pat.Draw(f, i)
		synth.StampTime(f, time.Now())
		data, _, err := enc.Encode(f, keyAt[i], nil)
		if err != nil || len(data) == 0 {
			t.Fatalf("encode %d: %v", i, err)
		}
		sealed, err := seal.Encrypt(nil, data, e2ee.VP8, uint32(i*3000))
		if err != nil {
			t.Fatal(err)
		}
		feed.Wait(33 * time.Millisecond)
		for _, p := range pk.Packetize(sealed, 3000) {
			feed.Add(p)
		}
	}
	return feed
}

func passphraseRing(t *testing.T, pass string) *e2ee.KeyRing {
	t.Helper()
	r, err := e2ee.NewPassphraseKeyRing(pass)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// statsSink counts pictures and readable strips, and keeps the last stats.
type statsSink struct {
	decoded, strips int
	stats           media.VideoReceiveStats
}

func (s *statsSink) WriteFrame(f *media.VideoFrame) {
	s.decoded++
	if _, ok := synth.ReadTime(f); ok {
		s.strips++
	}
}

func (s *statsSink) VideoStats(st media.VideoReceiveStats) { s.stats = st }

func receiveWith(t *testing.T, feed *mediatest.Feed, decrypt media.Decrypt) (*statsSink, int) {
	t.Helper()
	sink, plis := &statsSink{}, 0
	err := Receive(feed, ReceiverConfig{Sink: sink, RequestKeyframe: func() { plis++ }, Now: feed.Now, Decrypt: decrypt})
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return sink, plis
}

func decryptWith(ring *e2ee.KeyRing) media.Decrypt {
	open := e2ee.NewFrameCryptor(ring, 0)
	return func(dst, frame []byte) ([]byte, error) { return open.Decrypt(dst, frame, e2ee.VP8) }
}

// The jitter buffer reassembles encrypted frames (their keyframe bit is in
// the clear), and the Decrypt hook opens each whole frame before decoding.
func TestReceiveDecryptsWholeFrames(t *testing.T) {
	ring := passphraseRing(t, "same passphrase")
	sink, plis := receiveWith(t, encryptedFeed(t, ring, 40, map[int]bool{0: true}), decryptWith(ring))
	if sink.decoded != 40 || sink.strips != 40 || plis != 0 {
		t.Fatalf("decoded %d frames, %d strips, %d keyframe requests; want 40, 40, 0", sink.decoded, sink.strips, plis)
	}
	if sink.stats.FramesUndecryptable != 0 || sink.stats.DecodeErrors != 0 {
		t.Fatalf("stats %+v", sink.stats)
	}
}

// Frames that do not decrypt are dropped and counted, never decoded, and
// the receiver does not keep asking for keyframes that would not help.
func TestReceiveDropsFramesThatDoNotDecrypt(t *testing.T) {
	feed := encryptedFeed(t, passphraseRing(t, "their passphrase"), 40, map[int]bool{0: true, 10: true, 20: true, 30: true})
	sink, plis := receiveWith(t, feed, decryptWith(passphraseRing(t, "my passphrase")))
	if sink.decoded != 0 {
		t.Fatalf("%d frames decoded with the wrong key", sink.decoded)
	}
	if sink.stats.FramesUndecryptable < 4 || sink.stats.DecodeErrors != 0 {
		t.Fatalf("stats %+v; want the keyframes counted undecryptable, no decode errors", sink.stats)
	}
	if plis > 1 {
		t.Fatalf("%d keyframe requests in 1.3 s of undecryptable video; want the one at start", plis)
	}
}

// Without a Decrypt hook the decoder gets ciphertext: no picture with a
// readable strip comes out of it.
func TestCiphertextDecodesToNothingReadable(t *testing.T) {
	feed := encryptedFeed(t, passphraseRing(t, "a passphrase"), 40, map[int]bool{0: true, 20: true})
	sink, _ := receiveWith(t, feed, nil)
	if sink.strips != 0 {
		t.Fatalf("%d readable pictures from ciphertext", sink.strips)
	}
	t.Logf("ciphertext: %d pictures (garbage), %d decode errors", sink.decoded, sink.stats.DecodeErrors)
}
