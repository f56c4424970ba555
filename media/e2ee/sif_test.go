package e2ee

import (
	"bytes"
	"errors"
	"testing"
)

// sifTrailer looks like livekit-server's: []byte(utils.RandomSecret()),
// base62 ASCII.
var sifTrailer = []byte("Xb9mQ2rT7kLp4vWz8cN1dF6gH3jS5aE0uYiOoPqRtUv")

func TestSIFPassthrough(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	f.SetSIFTrailer(sifTrailer)
	for _, tc := range []struct {
		name  string
		codec Codec
		blank []byte
	}{
		{"vp8 8x8 key frame", VP8, vp8KeyFrame8x8},
		{"opus silence", Opus, opusSilenceFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := append(bytes.Clone(tc.blank), sifTrailer...)
			got, err := f.Decrypt(nil, frame, tc.codec)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.blank) {
				t.Errorf("SIF payload = %x, want %x", got, tc.blank)
			}
		})
	}
	if len(opusSilenceFrame) != 80 || len(vp8KeyFrame8x8) != 31 {
		t.Error("blank frames differ in length from livekit-server's")
	}
}

func TestSIFUnexpectedPayload(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	f.SetSIFTrailer(sifTrailer)
	forged := append(vp8Frame(500, true), sifTrailer...)
	if _, err := f.Decrypt(nil, forged, VP8); !errors.Is(err, ErrUnexpectedSIF) {
		t.Fatalf("forged SIF: err = %v, want ErrUnexpectedSIF", err)
	}
	// A blank frame of the other codec is not accepted either.
	wrongCodec := append(bytes.Clone(opusSilenceFrame), sifTrailer...)
	if _, err := f.Decrypt(nil, wrongCodec, VP8); !errors.Is(err, ErrUnexpectedSIF) {
		t.Fatalf("opus blank on VP8: err = %v, want ErrUnexpectedSIF", err)
	}
	// The bare trailer is a SIF with an empty payload.
	if _, err := f.Decrypt(nil, sifTrailer, Opus); !errors.Is(err, ErrUnexpectedSIF) {
		t.Fatalf("bare trailer: err = %v, want ErrUnexpectedSIF", err)
	}
}

func TestSIFTrailerUnsetOrCleared(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	frame := append(bytes.Clone(vp8KeyFrame8x8), sifTrailer...)
	if _, err := f.Decrypt(nil, frame, VP8); err == nil {
		t.Fatal("SIF accepted before the trailer was set")
	}
	trailer := bytes.Clone(sifTrailer)
	f.SetSIFTrailer(trailer)
	trailer[0] ^= 0xff // SetSIFTrailer must have copied it
	if _, err := f.Decrypt(nil, frame, VP8); err != nil {
		t.Fatalf("SIF rejected: %v", err)
	}
	f.SetSIFTrailer(nil)
	if _, err := f.Decrypt(nil, frame, VP8); err == nil {
		t.Fatal("SIF accepted after the trailer was cleared")
	}
}

// TestEncryptedFrameIsNotSIF: real frames keep decrypting with a trailer set.
func TestEncryptedFrameIsNotSIF(t *testing.T) {
	f := NewFrameCryptor(testRing(t), 1)
	f.SetSIFTrailer(sifTrailer)
	frame := vp8Frame(200, true)
	enc, err := f.Encrypt(nil, frame, VP8, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Decrypt(nil, enc, VP8)
	if err != nil || !bytes.Equal(got, frame) {
		t.Fatalf("round trip with SIF trailer set failed: %v", err)
	}
}
