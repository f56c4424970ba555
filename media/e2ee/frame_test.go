package e2ee

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"testing"
)

// TestNodeVectorsDecrypt decrypts frames made by Node WebCrypto mirroring
// livekit-client's encodeFunction.
func TestNodeVectorsDecrypt(t *testing.T) {
	v := loadVectors(t)
	f := NewFrameCryptor(testRing(t), 1)
	for _, tc := range []struct {
		name  string
		codec Codec
		frame nodeFrame
	}{
		{"vp8 key", VP8, v.VP8Key},
		{"vp8 delta", VP8, v.VP8Delta},
		{"opus", Opus, v.Opus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Decrypt(nil, unhex(t, tc.frame.Enc), tc.codec)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.frame.Plain); !bytes.Equal(got, want) {
				t.Errorf("plaintext = %x, want %x", got, want)
			}
		})
	}
}

// TestNodeVectorsEncrypt reproduces the Node-made frames byte for byte:
// with JS's SSRC, RTP timestamp and send count, Encrypt must build the same
// IV and so the same ciphertext.
func TestNodeVectorsEncrypt(t *testing.T) {
	v := loadVectors(t)
	ring := testRing(t)
	for _, tc := range []struct {
		name  string
		codec Codec
		frame nodeFrame
		ssrc  uint32
		ts    uint32
	}{
		// SSRCs and timestamps from gen.mjs.
		{"vp8 key", VP8, v.VP8Key, 0xdeadbeef, 90000},
		{"vp8 delta", VP8, v.VP8Delta, 0xdeadbeef, 93000},
		{"opus", Opus, v.Opus, 0x01020304, 4294967000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.frame.Enc)
			f := NewFrameCryptor(ring, tc.ssrc)
			// JS's random initial send count, recovered from the IV's
			// last word: timestamp - (sendCount % 0xffff).
			last := binary.BigEndian.Uint32(want[len(want)-6:])
			f.sendCount.Store(uint64(tc.ts - last))
			got, err := f.Encrypt(nil, unhex(t, tc.frame.Plain), tc.codec, tc.ts)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("encrypted =\n%x, want\n%x", got, want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	ring := testRing(t)
	send := NewFrameCryptor(ring, 0x11223344)
	recv := NewFrameCryptor(ring, 0x55667788)
	for _, tc := range []struct {
		name  string
		codec Codec
		frame []byte
		clear int
	}{
		{"vp8 key", VP8, vp8Frame(40000, true), 10},
		{"vp8 delta", VP8, vp8Frame(6000, false), 3},
		{"vp8 key header only", VP8, vp8Frame(10, true), 10},
		{"vp8 delta header only", VP8, vp8Frame(10, false)[:3], 3},
		{"opus", Opus, opusFrame(120), 1},
		{"opus toc only", Opus, opusFrame(1), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := send.Encrypt(nil, tc.frame, tc.codec, 1234)
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, enc, tc.frame, tc.clear, 0x11223344, 1234, 0)
			dec, err := recv.Decrypt(nil, enc, tc.codec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dec, tc.frame) {
				t.Error("round trip changed the frame")
			}
		})
	}
}

// checkLayout checks [clear header][ct‖tag][IV 12][0x0c][kid].
func checkLayout(t *testing.T, enc, plain []byte, clearLen int, ssrc, ts uint32, kid byte) {
	t.Helper()
	if len(enc) != len(plain)+FrameOverhead {
		t.Fatalf("encrypted length = %d, want %d", len(enc), len(plain)+FrameOverhead)
	}
	n := len(enc)
	if enc[n-2] != 12 || enc[n-1] != kid {
		t.Errorf("trailer = %x, want 0c%02x", enc[n-2:], kid)
	}
	iv := enc[n-14 : n-2]
	if binary.BigEndian.Uint32(iv[0:]) != ssrc || binary.BigEndian.Uint32(iv[4:]) != ts {
		t.Errorf("IV %x does not start with SSRC %08x and timestamp %08x", iv, ssrc, ts)
	}
	if !bytes.Equal(enc[:clearLen], plain[:clearLen]) {
		t.Errorf("clear header = %x, want %x", enc[:clearLen], plain[:clearLen])
	}
}

// TestClearHeaderOnly checks that exactly the JS clear header stays
// readable: a VP8 decoder (or the SFU) parsing the encrypted key frame
// sees the same frame tag and dimensions, and none of the payload.
func TestClearHeaderOnly(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 7)
	for _, tc := range []struct {
		name  string
		codec Codec
		frame []byte
		clear int
	}{
		{"vp8 key", VP8, vp8Frame(6000, true), 10},
		{"vp8 delta", VP8, vp8Frame(6000, false), 3},
		{"opus", Opus, opusFrame(300), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := f.Encrypt(nil, tc.frame, tc.codec, 99)
			if err != nil {
				t.Fatal(err)
			}
			checkLayout(t, enc, tc.frame, tc.clear, 7, 99, 0)
			plain, ct := tc.frame[tc.clear:], enc[tc.clear:tc.clear+len(tc.frame)-tc.clear]
			same := 0
			for i := range plain {
				if plain[i] == ct[i] {
					same++
				}
			}
			// Random bytes match by chance 1 time in 256: allow the mean
			// and eight standard deviations more, so that chance never
			// fails the test (len/64 failed 299-byte Opus frames about
			// once in 120 runs) while a payload left as it was still does.
			mean := float64(len(plain)) / 256
			if float64(same) > mean+8*math.Sqrt(mean)+8 {
				t.Errorf("%d of %d payload bytes unchanged", same, len(plain))
			}
			for i := 0; i+8 <= len(plain); i += 8 {
				if bytes.Contains(enc, plain[i:i+8]) {
					t.Fatalf("plaintext bytes %d..%d appear in the encrypted frame", i, i+8)
				}
			}
		})
	}
	t.Run("vp8 decoder view", func(t *testing.T) {
		frame := vp8Frame(6000, true)
		enc, err := f.Encrypt(nil, frame, VP8, 99)
		if err != nil {
			t.Fatal(err)
		}
		want, got := parseVP8Header(frame), parseVP8Header(enc)
		if got != want || !got.key || got.width != 1280 || got.height != 720 {
			t.Errorf("decoder sees %+v in the encrypted frame, want %+v", got, want)
		}
		// The first partition (the compressed header after byte 10) is
		// what a decoder reads next; it must not survive.
		if bytes.Equal(enc[10:20], frame[10:20]) {
			t.Error("first partition starts with the original bytes")
		}
	})
}

type vp8Header struct {
	key           bool
	partitionSize uint32
	width, height uint16
}

// parseVP8Header reads the RFC 6386 §9.1 uncompressed data chunk.
func parseVP8Header(b []byte) vp8Header {
	tag := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16
	h := vp8Header{key: tag&1 == 0, partitionSize: tag >> 5}
	if h.key && bytes.Equal(b[3:6], []byte{0x9d, 0x01, 0x2a}) {
		h.width = binary.LittleEndian.Uint16(b[6:]) & 0x3fff
		h.height = binary.LittleEndian.Uint16(b[8:]) & 0x3fff
	}
	return h
}

func TestWrongPassphrase(t *testing.T) {
	wrong, err := NewPassphraseKeyRing("Correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := NewFrameCryptor(testRing(t), 1).Encrypt(nil, vp8Frame(500, false), VP8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewFrameCryptor(wrong, 1).Decrypt(nil, enc, VP8); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("err = %v, want ErrDecrypt", err)
	}
	// The Node vectors fail the same way.
	v := loadVectors(t)
	if _, err := NewFrameCryptor(wrong, 1).Decrypt(nil, unhex(t, v.Opus.Enc), Opus); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Node vector: err = %v, want ErrDecrypt", err)
	}
}

func TestMissingKeyIndex(t *testing.T) {
	k, err := KeyFromPassphrase(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	sendRing := NewKeyRing()
	if err := sendRing.SetKey(3, k); err != nil {
		t.Fatal(err)
	}
	send := NewFrameCryptor(sendRing, 1)
	if _, err := send.Encrypt(nil, opusFrame(50), Opus, 1); !errors.Is(err, ErrNoKey) {
		t.Fatalf("encrypt with an empty current index: err = %v, want ErrNoKey", err)
	}
	if err := sendRing.SetCurrentIndex(3); err != nil {
		t.Fatal(err)
	}
	enc, err := send.Encrypt(nil, opusFrame(50), Opus, 1)
	if err != nil {
		t.Fatal(err)
	}
	if enc[len(enc)-1] != 3 {
		t.Fatalf("key index byte = %d, want 3", enc[len(enc)-1])
	}
	recv := NewFrameCryptor(testRing(t), 1) // key at index 0 only
	if _, err := recv.Decrypt(nil, enc, Opus); !errors.Is(err, ErrNoKey) {
		t.Fatalf("err = %v, want ErrNoKey", err)
	}
	// JS reads the index without a modulo: 16 and above are missing keys.
	enc[len(enc)-1] = 16 + 0
	if _, err := recv.Decrypt(nil, enc, Opus); !errors.Is(err, ErrNoKey) {
		t.Fatalf("index 16: err = %v, want ErrNoKey", err)
	}
}

func TestMalformedFrames(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	good, err := f.Encrypt(nil, vp8Frame(100, false), VP8, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		codec Codec
		want  error
	}{
		{"one byte", []byte{0x31}, VP8, ErrNotEncrypted},
		{"opus TOC and trailer", []byte{0xf8, 0x0c, 0x00}, Opus, ErrNotEncrypted},
		// 10 clear + 16 tag + 1 IV + 2 is the least a key frame can be.
		{"key frame one byte short", append(vp8Frame(10, true), make([]byte, 18)...), VP8, ErrNotEncrypted},
		{"zero IV length", withTrailer(vp8Frame(100, false), 0, 0), VP8, ErrMalformed},
		{"IV longer than frame", withTrailer(vp8Frame(100, false), 255, 0), VP8, ErrMalformed},
		{"IV eats the tag", withTrailer(vp8Frame(40, false), 20, 0), VP8, ErrMalformed},
		{"truncated", good[:len(good)-5], VP8, ErrNoKey}, // last byte is now IV
		{"unknown codec", good, Codec(0), ErrUnknownCodec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.Decrypt(nil, tc.frame, tc.codec)
			if !errors.Is(err, tc.want) || out != nil {
				t.Fatalf("Decrypt = %x, %v; want nil, %v", out, err, tc.want)
			}
		})
	}
	if !errors.Is(ErrNotEncrypted, ErrMalformed) {
		t.Error("ErrNotEncrypted does not match ErrMalformed")
	}
	for _, tc := range []struct {
		name  string
		frame []byte
		codec Codec
		want  error
	}{
		{"short key frame", vp8Frame(10, true)[:9], VP8, ErrMalformed},
		{"short delta frame", []byte{0x31, 0x00}, VP8, ErrMalformed},
		{"unknown codec", opusFrame(10), Codec(9), ErrUnknownCodec},
	} {
		t.Run("encrypt "+tc.name, func(t *testing.T) {
			if _, err := f.Encrypt(nil, tc.frame, tc.codec, 1); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// withTrailer replaces the last two bytes of frame with ivLen and kid.
func withTrailer(frame []byte, ivLen, kid byte) []byte {
	frame[len(frame)-2], frame[len(frame)-1] = ivLen, kid
	return frame
}

// TestOtherIVLength decrypts a frame whose trailer names a 16-byte IV, as a
// non-JS sender may write; JS takes the length from the trailer.
func TestOtherIVLength(t *testing.T) {
	k, err := KeyFromPassphrase(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	block, err := aes.NewCipher(k.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, 16)
	if err != nil {
		t.Fatal(err)
	}
	plain := opusFrame(60)
	iv := bytes.Repeat([]byte{0xa5}, 16)
	enc := append([]byte{}, plain[:1]...)
	enc = gcm.Seal(enc, iv, plain[1:], plain[:1])
	enc = append(enc, iv...)
	enc = append(enc, 16, 0)
	got, err := NewFrameCryptor(testRing(t), 1).Decrypt(nil, enc, Opus)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Error("16-byte IV frame decrypted wrongly")
	}
}

func TestEmptyFramePassesThrough(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	dst := []byte("kept")
	if out, err := f.Encrypt(dst, nil, VP8, 1); err != nil || string(out) != "kept" {
		t.Errorf("Encrypt(empty) = %q, %v", out, err)
	}
	if out, err := f.Decrypt(dst, []byte{}, Opus); err != nil || string(out) != "kept" {
		t.Errorf("Decrypt(empty) = %q, %v", out, err)
	}
}

func TestAppendAndInPlace(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	frame := vp8Frame(3000, true)

	prefix := []byte("prefix")
	enc, err := f.Encrypt(prefix, frame, VP8, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(enc, prefix) {
		t.Fatal("Encrypt did not append to dst")
	}
	dec, err := f.Decrypt([]byte("p"), enc[len(prefix):], VP8)
	if err != nil || !bytes.Equal(dec[1:], frame) || dec[0] != 'p' {
		t.Fatalf("Decrypt did not append the plaintext to dst: %v", err)
	}

	buf := make([]byte, len(frame), len(frame)+FrameOverhead)
	copy(buf, frame)
	enc, err = f.Encrypt(buf[:0], buf, VP8, 6)
	if err != nil {
		t.Fatal(err)
	}
	if &enc[0] != &buf[0] {
		t.Error("in-place Encrypt reallocated")
	}
	dec, err = f.Decrypt(enc[:0], enc, VP8)
	if err != nil {
		t.Fatal(err)
	}
	if &dec[0] != &buf[0] || !bytes.Equal(dec, frame) {
		t.Error("in-place round trip failed")
	}
}

func TestNoAllocations(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	f.SetSIFTrailer([]byte("trailer"))
	for _, tc := range []struct {
		name  string
		codec Codec
		frame []byte
	}{
		{"vp8", VP8, vp8Frame(6000, false)},
		{"opus", Opus, opusFrame(120)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := make([]byte, 0, len(tc.frame)+FrameOverhead)
			dec := make([]byte, 0, len(tc.frame)+FrameOverhead)
			var err error
			n := testing.AllocsPerRun(100, func() {
				if enc, err = f.Encrypt(enc[:0], tc.frame, tc.codec, 1); err != nil {
					t.Fatal(err)
				}
				if dec, err = f.Decrypt(dec[:0], enc, tc.codec); err != nil {
					t.Fatal(err)
				}
				// Failures must not allocate either.
				enc[len(enc)-3] ^= 1
				if _, err = f.Decrypt(dec[:0], enc, tc.codec); !errors.Is(err, ErrDecrypt) {
					t.Fatal(err)
				}
			})
			if n != 0 {
				t.Errorf("%v allocations per frame, want 0", n)
			}
		})
	}
}

// TestConcurrentUse runs senders, receivers and key changes together;
// run it with -race.
func TestConcurrentUse(t *testing.T) {
	ring := testRing(t)
	k, _ := ring.Key(0)
	if err := ring.SetKey(1, k.Ratchet()); err != nil {
		t.Fatal(err)
	}
	send := NewFrameCryptor(ring, 1)
	recv := NewFrameCryptor(ring, 2)
	recv.SetSIFTrailer([]byte("sif"))
	data := NewDataCryptor(ring)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			frame := vp8Frame(1000+g, g%2 == 0)
			var enc, dec []byte
			for i := range 200 {
				var err error
				if enc, err = send.Encrypt(enc[:0], frame, VP8, uint32(i)); err != nil {
					t.Error(err)
					return
				}
				if dec, err = recv.Decrypt(dec[:0], enc, VP8); err != nil || !bytes.Equal(dec, frame) {
					t.Error("concurrent round trip failed:", err)
					return
				}
				iv, kid, ct, err := data.EncryptData(frame)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := data.DecryptData(iv, kid, ct); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 200 {
			_ = ring.SetCurrentIndex(i % 2)
			recv.SetSIFTrailer([]byte("sif"))
		}
	})
	wg.Wait()
}

// TestIVCounter checks makeIV's arithmetic: the send count is taken mod
// 0xffff, subtracted with 32-bit wrap-around, and advanced per frame.
func TestIVCounter(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 0xcafef00d)
	if c := f.sendCount.Load(); c >= 0xffff {
		t.Fatalf("initial send count %d not in [0, 0xfffe]", c)
	}
	for _, tc := range []struct {
		count uint64
		ts    uint32
		want  uint32
	}{
		{0, 1000, 1000},
		{7, 1000, 993},
		{3*0xffff + 7, 1000, 993},
		{10, 3, 0xfffffff9},
		{0xfffe, 0xffffffff, 0xffff0001},
	} {
		f.sendCount.Store(tc.count)
		var iv [12]byte
		f.fillIV(iv[:], tc.ts)
		if got := binary.BigEndian.Uint32(iv[8:]); got != tc.want {
			t.Errorf("count %d, ts %d: last word %#x, want %#x", tc.count, tc.ts, got, tc.want)
		}
		if binary.BigEndian.Uint32(iv[0:]) != 0xcafef00d || binary.BigEndian.Uint32(iv[4:]) != tc.ts {
			t.Errorf("IV %x does not start with SSRC and timestamp", iv)
		}
		if f.sendCount.Load() != tc.count+1 {
			t.Error("send count did not advance")
		}
	}
}
