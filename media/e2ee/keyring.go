package e2ee

import (
	"crypto/aes"
	"crypto/cipher"
	"sync/atomic"
)

// KeyRingSize is the number of key slots, livekit-client's default
// KEY_PROVIDER_DEFAULTS.keyringSize (src/e2ee/constants.ts:
// `keyringSize: 16`). A JS receiver looks a frame's key index up without
// a modulo (worker/ParticipantKeyHandler.ts getKeySet:
// `return this.cryptoKeyRing[keyIndex ?? this.currentKeyIndex];`), so an
// index of 16 or more is a missing key there; it is refused here.
const KeyRingSize = 16

// KeyRing holds the keys a room's participants share, by key index, and
// the index new frames and packets are encrypted with.
//
// With a shared passphrase livekit-client keeps its one key at index 0 and
// encrypts with index 0: ExternalE2EEKeyProvider.setKey() passes no index,
// so the worker's ParticipantKeyHandler.setKey uses its default
// `keyIndex = 0`. NewPassphraseKeyRing sets up exactly that.
//
// A KeyRing is safe for concurrent use; FrameCryptors and DataCryptors
// share one. Lookups take no lock and do not allocate.
type KeyRing struct {
	slots   [KeyRingSize]atomic.Pointer[keySlot]
	current atomic.Uint32
}

// keySlot is a Key with its AES-GCM state prepared once, not per frame.
type keySlot struct {
	key   Key
	block cipher.Block
	// gcm takes IV_LENGTH (12) byte IVs, the only length JS writes.
	gcm cipher.AEAD
}

// NewKeyRing returns an empty ring whose current index is 0.
func NewKeyRing() *KeyRing { return &KeyRing{} }

// NewPassphraseKeyRing returns a ring holding KeyFromPassphrase(passphrase)
// at index 0, the current index, as livekit-client's
// ExternalE2EEKeyProvider.setKey(passphrase) does.
func NewPassphraseKeyRing(passphrase string) (*KeyRing, error) {
	k, err := KeyFromPassphrase(passphrase)
	if err != nil {
		return nil, err
	}
	r := NewKeyRing()
	if err := r.SetKey(0, k); err != nil {
		return nil, err
	}
	return r, nil
}

// SetKey stores k at index, replacing any key there. It does not change
// the current index. It returns ErrKeyIndex for an index outside
// 0..KeyRingSize-1 and ErrNoKey for the zero Key.
func (r *KeyRing) SetKey(index int, k Key) error {
	if !validIndex(index) {
		return ErrKeyIndex
	}
	if !k.set {
		return ErrNoKey
	}
	s, err := newKeySlot(k)
	if err != nil {
		return err
	}
	r.slots[index].Store(s)
	return nil
}

// RemoveKey empties index; frames naming it then fail with ErrNoKey.
func (r *KeyRing) RemoveKey(index int) error {
	if !validIndex(index) {
		return ErrKeyIndex
	}
	r.slots[index].Store(nil)
	return nil
}

// Key returns the key at index, if there is one.
func (r *KeyRing) Key(index int) (Key, bool) {
	s := r.slot(index)
	if s == nil {
		return Key{}, false
	}
	return s.key, true
}

// SetCurrentIndex selects the key index that Encrypt and EncryptData use
// and write into frames and packets. The slot may still be empty; encrypting
// then fails with ErrNoKey.
func (r *KeyRing) SetCurrentIndex(index int) error {
	if !validIndex(index) {
		return ErrKeyIndex
	}
	r.current.Store(uint32(index))
	return nil
}

// CurrentIndex returns the key index used for encrypting.
func (r *KeyRing) CurrentIndex() int { return int(r.current.Load()) }

// slot returns the prepared key at index, or nil.
func (r *KeyRing) slot(index int) *keySlot {
	if !validIndex(index) {
		return nil
	}
	return r.slots[index].Load()
}

// currentSlot returns the prepared current key and its index.
func (r *KeyRing) currentSlot() (*keySlot, int) {
	index := r.CurrentIndex()
	return r.slot(index), index
}

func validIndex(index int) bool { return index >= 0 && index < KeyRingSize }

func newKeySlot(k Key) (*keySlot, error) {
	block, err := aes.NewCipher(k.aesKey())
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keySlot{key: k, block: block, gcm: gcm}, nil
}

// aead returns an AES-GCM taking ivLen-byte IVs. JS receivers accept any
// length the sender wrote (worker/FrameCryptor.ts decryptFrame:
// `const ivLength = frameTrailer[0];`), so this does too; lengths other
// than 12 are rare and get a fresh AEAD. ivLen must be positive.
func (s *keySlot) aead(ivLen int) (cipher.AEAD, error) {
	if ivLen == ivLength {
		return s.gcm, nil
	}
	return cipher.NewGCMWithNonceSize(s.block, ivLen)
}
