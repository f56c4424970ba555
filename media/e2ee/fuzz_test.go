package e2ee

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecrypt feeds hostile frames to Decrypt (seed corpus in
// testdata/fuzz/FuzzDecrypt: the Node vectors, SIF frames, bad trailers).
// Decrypt must not panic, must fail only with this package's errors, and a
// success must have the shape of a decrypted frame. Each input is also
// encrypted and must round-trip.
func FuzzDecrypt(f *testing.F) {
	ring := testRing(f)
	c := NewFrameCryptor(ring, 0xdeadbeef)
	c.SetSIFTrailer(sifTrailer)
	f.Fuzz(func(t *testing.T, frame []byte, opus bool) {
		codec := VP8
		if opus {
			codec = Opus
		}
		checkDecrypt(t, c, frame, codec)
		checkRoundTrip(t, c, frame, codec)
	})
}

func checkDecrypt(t *testing.T, c *FrameCryptor, frame []byte, codec Codec) {
	orig := bytes.Clone(frame)
	out, err := c.Decrypt(nil, frame, codec)
	if !bytes.Equal(frame, orig) {
		t.Fatal("Decrypt modified its input")
	}
	if err != nil {
		if out != nil {
			t.Fatal("error with output")
		}
		for _, known := range []error{ErrNoKey, ErrDecrypt, ErrMalformed, ErrUnexpectedSIF} {
			if errors.Is(err, known) {
				return
			}
		}
		t.Fatalf("unexpected error %v", err)
	}
	switch {
	case len(frame) == 0:
		if len(out) != 0 {
			t.Fatal("empty frame produced output")
		}
	case bytes.HasSuffix(frame, sifTrailer):
		if !isBlankFrame(codec, out) {
			t.Fatal("SIF passed with a non-blank payload")
		}
	default:
		clearLen, _ := clearBytes(frame, codec)
		ivLen := int(frame[len(frame)-2])
		if len(out) != len(frame)-tagSize-ivLen-trailerSize || !bytes.Equal(out[:clearLen], frame[:clearLen]) {
			t.Fatal("decrypted frame has the wrong shape")
		}
	}
	// In place must agree with out of place.
	inPlace, err2 := c.Decrypt(frame[:0], frame, codec)
	if !errors.Is(err2, err) || (err == nil && !bytes.Equal(inPlace, out)) {
		t.Fatalf("in-place Decrypt differs: %v vs %v", err2, err)
	}
	copy(frame, orig)
}

func checkRoundTrip(t *testing.T, c *FrameCryptor, frame []byte, codec Codec) {
	enc, err := c.Encrypt(nil, frame, codec, 90000)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("Encrypt: %v", err)
		}
		return
	}
	dec, err := c.Decrypt(nil, enc, codec)
	if err != nil || !bytes.Equal(dec, frame) {
		t.Fatalf("round trip failed: %v", err)
	}
}
