package e2ee

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
)

func TestDataRoundTrip(t *testing.T) {
	c := NewDataCryptor(testRing(t))
	for _, n := range []int{0, 1, 100, 15000} {
		payload := opusFrame(max(n, 1))[:n]
		iv, kid, ct, err := c.EncryptData(payload)
		if err != nil {
			t.Fatal(err)
		}
		if len(iv) != 12 || kid != 0 || len(ct) != n+16 {
			t.Fatalf("iv %d bytes, key index %d, ciphertext %d bytes; want 12, 0, %d", len(iv), kid, len(ct), n+16)
		}
		got, err := c.DecryptData(iv, kid, ct)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("%d-byte payload changed in the round trip", n)
		}
	}
}

// TestDataIsPlainGCM checks the JS format independently of this package:
// AES-GCM with the derived key, the packet's IV and no additional data.
func TestDataIsPlainGCM(t *testing.T) {
	c := NewDataCryptor(testRing(t))
	payload := []byte("\x0a\x05hello") // an EncryptedPacketPayload.user
	iv, _, ct, err := c.EncryptData(payload)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := KeyFromPassphrase(testPassphrase)
	block, _ := aes.NewCipher(k.Bytes())
	gcm, _ := cipher.NewGCM(block)
	got, err := gcm.Open(nil, iv, ct, nil)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("stdlib AES-GCM could not open the packet: %v", err)
	}
	// Foreign IV lengths decrypt too, as with WebCrypto.
	gcm8, _ := cipher.NewGCMWithNonceSize(block, 8)
	iv8 := []byte("8byteIV!")
	if got, err := c.DecryptData(iv8, 0, gcm8.Seal(nil, iv8, payload, nil)); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("8-byte IV: %v", err)
	}
}

func TestDataIVsDiffer(t *testing.T) {
	c := NewDataCryptor(testRing(t))
	seen := map[string]bool{}
	for range 1000 {
		iv, _, _, err := c.EncryptData([]byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		if seen[string(iv)] {
			t.Fatalf("IV %x repeated", iv)
		}
		seen[string(iv)] = true
	}
}

func TestDataErrors(t *testing.T) {
	c := NewDataCryptor(testRing(t))
	iv, kid, ct, err := c.EncryptData([]byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := NewPassphraseKeyRing("not the passphrase")
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Clone(ct)
	tampered[0] ^= 1
	for _, tc := range []struct {
		name string
		c    *DataCryptor
		iv   []byte
		kid  uint32
		ct   []byte
		want error
	}{
		{"wrong passphrase", NewDataCryptor(wrong), iv, kid, ct, ErrDecrypt},
		{"tampered", c, iv, kid, tampered, ErrDecrypt},
		{"other IV", c, make([]byte, 12), kid, ct, ErrDecrypt},
		{"empty slot", c, iv, 5, ct, ErrNoKey},
		{"index past ring", c, iv, 1 << 31, ct, ErrNoKey},
		{"no IV", c, nil, kid, ct, ErrMalformed},
		{"shorter than tag", c, iv, kid, ct[:15], ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out, err := tc.c.DecryptData(tc.iv, tc.kid, tc.ct); !errors.Is(err, tc.want) || out != nil {
				t.Fatalf("DecryptData = %x, %v; want nil, %v", out, err, tc.want)
			}
		})
	}
	if _, _, _, err := NewDataCryptor(NewKeyRing()).EncryptData([]byte("x")); !errors.Is(err, ErrNoKey) {
		t.Fatalf("EncryptData with no key: err = %v, want ErrNoKey", err)
	}
}
