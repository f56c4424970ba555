package e2ee

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
)

// testPassphrase is the passphrase of testdata/node_vectors.json, which
// testdata/node_vectors_gen.mjs produced by mirroring livekit-client
// 2.23.0's key derivation and encrypt path in Node 20 WebCrypto
// (`node node_vectors_gen.mjs`; its send counts start at random, so each run
// gives new IVs and ciphertexts).
const testPassphrase = "correct horse battery staple"

type nodeFrame struct {
	Plain string `json:"plain"`
	Enc   string `json:"enc"`
}

type nodeVectors struct {
	RawKey       string    `json:"rawKey"`
	ChainKey     string    `json:"chainKey"`
	RatchetedKey string    `json:"ratchetedKey"`
	VP8Key       nodeFrame `json:"vp8Key"`
	VP8Delta     nodeFrame `json:"vp8Delta"`
	Opus         nodeFrame `json:"opus"`
}

func loadVectors(t testing.TB) nodeVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/node_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v nodeVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testRing returns a ring holding the test passphrase's key at index 0.
// Derivation is cached, so only the first call is slow.
func testRing(t testing.TB) *KeyRing {
	t.Helper()
	r, err := NewPassphraseKeyRing(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// vp8Frame returns a VP8-looking frame of n bytes (n >= 10): a key frame
// tag and header when key is set, a delta frame tag otherwise, then a
// recognisable pattern.
func vp8Frame(n int, key bool) []byte {
	f := make([]byte, n)
	for i := range f {
		f[i] = byte(i*7 + 3)
	}
	if key {
		// P bit 0, then start code 9d 01 2a and 1280x720.
		copy(f, []byte{0x50, 0x2b, 0x01, 0x9d, 0x01, 0x2a, 0x00, 0x05, 0xd0, 0x02})
	} else {
		f[0] = 0x31 // P bit 1
	}
	return f
}

func opusFrame(n int) []byte {
	f := make([]byte, n)
	f[0] = 0x78 // TOC: SILK/CELT hybrid FB 20 ms, one frame
	for i := 1; i < n; i++ {
		f[i] = byte(i*13 + 1)
	}
	return f
}
