package e2ee

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestKeyFromPassphraseMatchesNode(t *testing.T) {
	v := loadVectors(t)
	k, err := KeyFromPassphrase(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := k.Bytes(), unhex(t, v.RawKey); !bytes.Equal(got, want) {
		t.Errorf("AES key = %x, want %x", got, want)
	}
	if got, want := k.chain[:], unhex(t, v.ChainKey); !bytes.Equal(got, want) {
		t.Errorf("chain key = %x, want %x", got, want)
	}
}

func TestRatchetMatchesNode(t *testing.T) {
	v := loadVectors(t)
	k, err := KeyFromPassphrase(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	r := k.Ratchet()
	if got, want := r.Bytes(), unhex(t, v.RatchetedKey); !bytes.Equal(got, want) {
		t.Errorf("ratcheted key = %x, want %x", got, want)
	}
	if bytes.Equal(r.Bytes(), k.Bytes()) {
		t.Error("ratchet did not change the key")
	}
	if (Key{}).Ratchet().set {
		t.Error("ratchet of the zero Key is not the zero Key")
	}
}

func TestKeyFromPassphraseIsCached(t *testing.T) {
	const pass = "cache test passphrase"
	var wg sync.WaitGroup
	keys := make([]Key, 4)
	for i := range keys {
		wg.Go(func() {
			k, err := KeyFromPassphrase(pass)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Fatal("concurrent derivations disagree")
		}
	}
	derived.mu.Lock()
	e, ok := derived.entries[pass]
	derived.mu.Unlock()
	if !ok || e.key != keys[0] {
		t.Fatal("derived key is not in the cache")
	}
	// A cached lookup must not run PBKDF2 (tens of ms) again.
	if n := testing.AllocsPerRun(10, func() { _, _ = KeyFromPassphrase(pass) }); n != 0 {
		t.Errorf("cached KeyFromPassphrase allocates %v times, want 0", n)
	}
}

func TestKeyFromPassphraseEmpty(t *testing.T) {
	if _, err := KeyFromPassphrase(""); !errors.Is(err, ErrEmptyPassphrase) {
		t.Fatalf("err = %v, want ErrEmptyPassphrase", err)
	}
}

func TestKeyDoesNotPrintSecret(t *testing.T) {
	k, err := KeyFromPassphrase(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	secret := fmt.Sprintf("%x", k.Bytes())
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, k); bytes.Contains([]byte(s), []byte(secret[:8])) {
			t.Errorf("%s prints the key: %s", verb, s)
		}
	}
	if (Key{}).Bytes() != nil {
		t.Error("zero Key has bytes")
	}
}

func TestKeyRing(t *testing.T) {
	k, err := KeyFromPassphrase(testPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	r := NewKeyRing()
	if got := r.CurrentIndex(); got != 0 {
		t.Errorf("new ring's current index = %d, want 0", got)
	}
	for _, bad := range []int{-1, KeyRingSize, 255} {
		if err := r.SetKey(bad, k); !errors.Is(err, ErrKeyIndex) {
			t.Errorf("SetKey(%d) = %v, want ErrKeyIndex", bad, err)
		}
		if err := r.SetCurrentIndex(bad); !errors.Is(err, ErrKeyIndex) {
			t.Errorf("SetCurrentIndex(%d) = %v, want ErrKeyIndex", bad, err)
		}
		if err := r.RemoveKey(bad); !errors.Is(err, ErrKeyIndex) {
			t.Errorf("RemoveKey(%d) = %v, want ErrKeyIndex", bad, err)
		}
	}
	if err := r.SetKey(3, Key{}); !errors.Is(err, ErrNoKey) {
		t.Errorf("SetKey(zero Key) = %v, want ErrNoKey", err)
	}
	if err := r.SetKey(15, k); err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Key(15); !ok || got != k {
		t.Error("Key(15) does not return the key set")
	}
	if r.CurrentIndex() != 0 {
		t.Error("SetKey changed the current index")
	}
	if err := r.RemoveKey(15); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Key(15); ok {
		t.Error("key still present after RemoveKey")
	}
}
