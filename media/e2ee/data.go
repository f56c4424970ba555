package e2ee

import (
	"crypto/rand"
	"encoding/binary"
	"sync/atomic"
	"time"
)

// DataCryptor encrypts data-channel payloads the way livekit-client's
// src/e2ee/worker/DataCryptor.ts does: AES-GCM with the media key at the
// ring's current index, a 12-byte IV carried next to the ciphertext
// rather than in a trailer, and no additional data.
//
// It works on raw bytes. The caller owns the protobuf: on send, serialise
// an EncryptedPacketPayload holding the DataPacket's value, encrypt it, and
// put the three results into DataPacket.encrypted_packet (EncryptedPacket
// iv, key_index, encrypted_value, with encryption_type GCM); on receive,
// pass those three fields to DecryptData and parse the result as an
// EncryptedPacketPayload.
//
// A DataCryptor is safe for concurrent use.
type DataCryptor struct {
	ring  *KeyRing
	epoch time.Time
	// sendCount is DataCryptor.ts's `private static sendCount`.
	sendCount atomic.Uint64
}

// NewDataCryptor returns a DataCryptor using ring's keys.
func NewDataCryptor(ring *KeyRing) *DataCryptor {
	return &DataCryptor{ring: ring, epoch: time.Now()}
}

// EncryptData encrypts payload, a serialised EncryptedPacketPayload, with
// the key at the ring's current index. It returns the IV, that key index
// and ciphertext‖tag, all freshly allocated (in one allocation), ready to
// be placed in an EncryptedPacket. The only error is ErrNoKey.
//
// DataCryptor.ts encrypt:
//
//	const iv = DataCryptor.makeIV(performance.now());
//	const cipherText = await crypto.subtle.encrypt(
//	  { name: ENCRYPTION_ALGORITHM, iv }, keySet.encryptionKey, new Uint8Array(data));
//	return { payload: new Uint8Array(cipherText), iv: new Uint8Array(iv),
//	  keyIndex: keys.getCurrentKeyIndex() };
func (c *DataCryptor) EncryptData(payload []byte) (iv []byte, keyIndex uint32, ciphertext []byte, err error) {
	key, index := c.ring.currentSlot()
	if key == nil {
		return nil, 0, nil, ErrNoKey
	}
	buf := make([]byte, ivLength, ivLength+len(payload)+tagSize)
	iv = buf[:ivLength:ivLength]
	c.fillIV(iv)
	ciphertext = key.gcm.Seal(buf[ivLength:ivLength], iv, payload, nil)
	return iv, uint32(index), ciphertext, nil
}

// DecryptData authenticates and decrypts an EncryptedPacket's
// encrypted_value with its iv (any non-zero length, as WebCrypto allows)
// and key_index, returning the serialised EncryptedPacketPayload.
//
// Errors: ErrNoKey (no key at keyIndex), ErrMalformed (empty IV, or
// ciphertext shorter than a GCM tag), ErrDecrypt (authentication failed).
//
// DataCryptor.ts decrypt:
//
//	const keySet = await keys.getKeySet(keyIndex);
//	if (!keySet) { throw new Error('No key set found'); }
//	const plainText = await crypto.subtle.decrypt(
//	  { name: ENCRYPTION_ALGORITHM, iv }, keySet.encryptionKey, new Uint8Array(data));
func (c *DataCryptor) DecryptData(iv []byte, keyIndex uint32, ciphertext []byte) ([]byte, error) {
	if keyIndex >= KeyRingSize {
		return nil, ErrNoKey
	}
	key := c.ring.slot(int(keyIndex))
	if key == nil {
		return nil, ErrNoKey
	}
	if len(iv) == 0 || len(ciphertext) < tagSize {
		return nil, ErrMalformed
	}
	aead, err := key.aead(len(iv))
	if err != nil {
		return nil, ErrMalformed
	}
	plain, err := aead.Open(nil, iv, ciphertext, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

// fillIV writes the IV the way DataCryptor.ts makeIV builds it, big-endian:
//
//	const randomBytes = crypto.getRandomValues(new Uint32Array(1));
//	ivView.setUint32(0, randomBytes[0]);
//	ivView.setUint32(4, timestamp);          // performance.now(), in ms
//	ivView.setUint32(8, timestamp - (DataCryptor.sendCount % 0xffff));
//	DataCryptor.sendCount++;
//
// Milliseconds count here from the DataCryptor's creation, as
// performance.now() counts from the page's. The 32 random bits make a
// repeat under one key as unlikely as in JS; receivers treat the IV as
// opaque.
func (c *DataCryptor) fillIV(iv []byte) {
	rand.Read(iv[0:4]) // never fails (crypto/rand, Go 1.24+)
	ms := uint32(time.Since(c.epoch).Milliseconds())
	count := c.sendCount.Add(1) - 1
	binary.BigEndian.PutUint32(iv[4:8], ms)
	binary.BigEndian.PutUint32(iv[8:12], ms-uint32(count%0xffff))
}
