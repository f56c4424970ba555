package e2ee

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/sha256"
	"sync"
)

// Key derivation parameters of livekit-client 2.x. Both the salt and the
// key size can be overridden in JS (new ExternalE2EEKeyProvider({
// ratchetSalt, keySize })); this package supports only the defaults,
// which are also the only values the non-web LiveKit SDKs support.
const (
	// Salt is SALT in src/e2ee/constants.ts, the default
	// KeyProviderOptions.ratchetSalt: `export const SALT = 'LKFrameEncryptionKey';`
	Salt = "LKFrameEncryptionKey"

	// pbkdf2Iterations: src/e2ee/utils.ts getAlgoOptions,
	// `case 'PBKDF2': { ... hash: 'SHA-256', iterations: 100000 }`.
	pbkdf2Iterations = 100000

	// KeySize is the AES key length in bytes: KEY_PROVIDER_DEFAULTS.keySize
	// is 128 (bits) in src/e2ee/constants.ts, and deriveKeys asks WebCrypto
	// for `{ name: ENCRYPTION_ALGORITHM, length: options.keySize }`.
	KeySize = 16

	// chainSize is the length of the ratchet chain key: src/e2ee/utils.ts
	// ratchet, `crypto.subtle.deriveBits(algorithmOptions, material, 256)`.
	chainSize = 32
)

// Key is one AES-128-GCM frame key, derived the way livekit-client derives
// it, together with the material its ratchet step needs.
//
// The zero Key is no key: KeyRing.SetKey refuses it. Its String and
// GoString methods do not print the secret.
type Key struct {
	// chain is PBKDF2-HMAC-SHA256(material, Salt, 100000, 32 bytes), the
	// value JS's ratchet() returns for the material behind this key.
	//
	// JS derives the AES key with deriveKey(PBKDF2, material, AES 128) and
	// the ratchet chain key with deriveBits(PBKDF2, material, 256). PBKDF2
	// output block 1 is 32 bytes for HMAC-SHA256, so the 16-byte AES key is
	// chain[:16]; one derivation gives both (checked by the Node vectors in
	// testdata/node_vectors.json: chainKey starts with rawKey).
	chain [chainSize]byte
	set   bool
}

// KeyFromPassphrase derives the frame key that livekit-client's
// ExternalE2EEKeyProvider.setKey(passphrase) derives (src/e2ee/KeyProvider.ts
// → utils.ts createKeyMaterialFromString + deriveKeys):
//
//	importKey('raw', new TextEncoder().encode(password), { name: 'PBKDF2' }, ...)
//	deriveKey({ name: 'PBKDF2', salt: encode('LKFrameEncryptionKey'),
//	            hash: 'SHA-256', iterations: 100000 }, material,
//	          { name: 'AES-GCM', length: 128 }, ...)
//
// A Go string is used as-is, which equals TextEncoder's UTF-8 for valid
// UTF-8 input.
//
// Derivation takes tens of milliseconds, so results are cached per
// passphrase; concurrent calls with one passphrase derive it once.
func KeyFromPassphrase(passphrase string) (Key, error) {
	if passphrase == "" {
		return Key{}, ErrEmptyPassphrase
	}
	return derived.get(passphrase)
}

// Ratchet returns the next key in livekit-client's ratchet chain
// (src/e2ee/worker/ParticipantKeyHandler.ts ratchetKey):
//
//	const chainKey = await ratchet(currentMaterial, this.keyProviderOptions.ratchetSalt);
//	const newMaterial = await importKey(chainKey, currentMaterial.algorithm.name, 'derive');
//
// i.e. the new key is PBKDF2 of this key's 32-byte chain key, with the same
// salt and iterations. Nothing calls it by default: ExternalE2EEKeyProvider
// sets ratchetWindowSize 0, so JS only ratchets on an explicit
// keyProvider.ratchetKey(), and every peer must then ratchet too.
//
// Ratchet is as slow as KeyFromPassphrase and cached the same way. It
// returns the zero Key for the zero Key, or if PBKDF2 fails, which the
// standard library does only in FIPS 140-only mode, where this package's
// arbitrary-IV GCM is refused anyway.
func (k Key) Ratchet() Key {
	if !k.set {
		return Key{}
	}
	next, err := derived.get(string(k.chain[:]))
	if err != nil {
		return Key{}
	}
	return next
}

// Bytes returns a copy of the 16-byte AES-128 key, for interoperating with
// code that takes raw keys (server-sdk-go's ExternalKeyProvider.SetRawKey).
// It returns nil for the zero Key.
func (k Key) Bytes() []byte {
	if !k.set {
		return nil
	}
	return bytes.Clone(k.aesKey())
}

// String keeps the key out of logs.
func (k Key) String() string {
	if !k.set {
		return "e2ee.Key(none)"
	}
	return "e2ee.Key(redacted)"
}

// GoString keeps the key out of %#v output.
func (k Key) GoString() string { return k.String() }

func (k *Key) aesKey() []byte { return k.chain[:KeySize] }

// deriveKey runs the PBKDF2 step shared by passphrases and ratchet chain
// keys: both are the "password" of a PBKDF2 CryptoKey in JS.
func deriveKey(material string) (Key, error) {
	chain, err := pbkdf2.Key(sha256.New, material, []byte(Salt), pbkdf2Iterations, chainSize)
	if err != nil {
		return Key{}, err
	}
	k := Key{set: true}
	copy(k.chain[:], chain)
	clear(chain)
	return k, nil
}

// maxCachedKeys bounds the cache. Passphrases change rarely; when the
// bound is hit the cache is simply emptied.
const maxCachedKeys = 16

// derived caches deriveKey by its PBKDF2 password (a passphrase or a
// chain key).
var derived keyCache

type keyCache struct {
	mu      sync.Mutex
	entries map[string]*cachedKey
}

// cachedKey lets concurrent callers wait for one derivation.
type cachedKey struct {
	once sync.Once
	key  Key
	err  error
}

func (c *keyCache) get(material string) (Key, error) {
	e := c.entry(material)
	e.once.Do(func() { e.key, e.err = deriveKey(material) })
	return e.key, e.err
}

func (c *keyCache) entry(material string) *cachedKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[material]; ok {
		return e
	}
	if c.entries == nil || len(c.entries) >= maxCachedKeys {
		c.entries = make(map[string]*cachedKey)
	}
	e := &cachedKey{}
	c.entries[material] = e
	return e
}
