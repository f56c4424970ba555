package e2ee

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecryptData feeds hostile encrypted data packets (the IV, key index
// and ciphertext of a DataPacket's encrypted_packet, all from the network)
// to DecryptData. It must not crash, must fail only with this package's
// errors, and must never return what it was not given sealed; each payload
// also round-trips through EncryptData.
func FuzzDecryptData(f *testing.F) {
	c := NewDataCryptor(testRing(f))
	iv, index, ct, err := c.EncryptData([]byte("hello from a data packet"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(iv, index, ct)
	f.Add(iv, uint32(KeyRingSize), ct)
	f.Add([]byte{}, index, ct)
	f.Add(iv[:1], index, ct[:tagSize])
	f.Add(bytes.Repeat([]byte{7}, 4096), index, ct)
	f.Fuzz(func(t *testing.T, iv []byte, index uint32, ciphertext []byte) {
		plain, err := c.DecryptData(iv, index, ciphertext)
		switch {
		case err == nil && len(plain) != len(ciphertext)-tagSize:
			t.Fatalf("%d bytes decrypted from %d", len(plain), len(ciphertext))
		case err != nil && !errors.Is(err, ErrNoKey) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrDecrypt):
			t.Fatalf("unexpected error %v", err)
		}
		iv2, index2, ct2, err := c.EncryptData(ciphertext)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.DecryptData(iv2, index2, ct2)
		if err != nil || !bytes.Equal(back, ciphertext) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
