package e2ee

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync/atomic"
)

// Codec selects how many leading bytes of a frame stay in the clear.
type Codec int

// The codecs this package encrypts. The zero Codec is deliberately none of
// them, so a forgotten argument fails with ErrUnknownCodec.
const (
	VP8 Codec = iota + 1
	Opus
)

func (c Codec) String() string {
	switch c {
	case VP8:
		return "VP8"
	case Opus:
		return "Opus"
	}
	return "Codec(?)"
}

// Frame format constants of livekit-client 2.x, src/e2ee/constants.ts and
// src/e2ee/worker/FrameCryptor.ts.
const (
	// ivLength: `export const IV_LENGTH = 12;` (constants.ts), written as
	// the trailer's first byte (`frameTrailer[0] = IV_LENGTH;`).
	ivLength = 12

	// tagSize: WebCrypto's AES-GCM default tagLength is 128 bits, and
	// encrypt() appends the tag to the ciphertext, as Go's Seal does.
	tagSize = 16

	// trailerSize: `const frameTrailer = new Uint8Array(2);` holding
	// [IV length][key index] (FrameCryptor.ts encodeFunction).
	trailerSize = 2

	// FrameOverhead is how many bytes Encrypt adds to a frame.
	FrameOverhead = tagSize + ivLength + trailerSize

	// Clear header lengths: constants.ts
	//   export const UNENCRYPTED_BYTES = { key: 10, delta: 3,
	//     audio: 1, // frame.type is not set on audio, so this is set manually
	//     empty: 0 }
	// VP8 keeps its 3-byte frame tag, plus on key frames the start code and
	// 2+2 bytes of width/height (RFC 6386 §9.1); audio keeps the Opus TOC
	// byte (RFC 6716 §3.1).
	vp8KeyClearBytes   = 10
	vp8DeltaClearBytes = 3
	audioClearBytes    = 1
)

// FrameCryptor encrypts and decrypts whole media frames (one VP8 frame or
// Opus packet, before RTP packetization or after depacketization) in
// livekit-client's format:
//
//	[clear header][AES-GCM ciphertext ‖ 16-byte tag][IV][IV length][key index]
//
// Use one FrameCryptor per sending track (it owns the IV counter for its
// SSRC) and one per received track. Its methods are safe for concurrent
// use; the frame and dst buffers are the caller's.
type FrameCryptor struct {
	ring *KeyRing
	ssrc uint32
	// sendCount is JS's per-SSRC `sendCounts` entry, see fillIV.
	sendCount atomic.Uint64
	// sif is the room's server-injected-frame trailer, nil until set.
	sif atomic.Pointer[[]byte]
}

// NewFrameCryptor returns a FrameCryptor using ring's keys. ssrc goes
// into every IV it builds; use the sending track's RTP SSRC. Decrypting
// does not use it.
func NewFrameCryptor(ring *KeyRing, ssrc uint32) *FrameCryptor {
	f := &FrameCryptor{ring: ring, ssrc: ssrc}
	// FrameCryptor.ts makeIV: "Initialize with a random offset, similar to
	// the RTP sequence number."
	//   this.sendCounts.set(synchronizationSource, Math.floor(Math.random() * 0xffff));
	f.sendCount.Store(rand.Uint64N(0xffff))
	return f
}

// SetSIFTrailer sets the room's server-injected-frame trailer, from
// JoinResponse.sif_trailer. An empty trailer turns SIF detection off, as in
// JS (FrameCryptor.ts isFrameServerInjected:
// `if (trailerBytes.byteLength === 0) { return false; }`).
func (f *FrameCryptor) SetSIFTrailer(trailer []byte) {
	if len(trailer) == 0 {
		f.sif.Store(nil)
		return
	}
	t := bytes.Clone(trailer)
	f.sif.Store(&t)
}

// Encrypt appends the encrypted form of frame to dst and returns the
// extended slice. rtpTimestamp is the frame's RTP timestamp; it only
// feeds the IV, so if the real one is not known yet, any per-frame
// increasing value (such as the capture time in clock-rate units) works.
//
// The result is len(frame)+FrameOverhead bytes. No allocation happens when
// dst has that much spare capacity. dst's spare capacity must not overlap
// frame, except that frame[:0] may be passed to encrypt in place when
// cap(frame) allows.
//
// An empty frame yields nothing appended and no error: JS passes empty
// (DTX) frames through (FrameCryptor.ts encodeFunction: "skip for
// encryption and packet trailer writes for empty dtx frames").
// Errors, with a nil slice: ErrUnknownCodec, ErrMalformed (frame shorter
// than its clear header), ErrNoKey (no key at the ring's current index).
func (f *FrameCryptor) Encrypt(dst, frame []byte, codec Codec, rtpTimestamp uint32) ([]byte, error) {
	if len(frame) == 0 {
		return dst, nil
	}
	clearLen, err := clearBytes(frame, codec)
	if err != nil {
		return nil, err
	}
	if len(frame) < clearLen {
		// JS throws building `new Uint8Array(encodedFrame.data, 0,
		// frameInfo.unencryptedBytes)` and the frame is lost.
		return nil, ErrMalformed
	}
	key, keyIndex := f.ring.currentSlot()
	if key == nil {
		return nil, ErrNoKey
	}
	header, plain := frame[:clearLen], frame[clearLen:]
	out, enc := grow(dst, len(frame)+FrameOverhead)
	ctEnd := clearLen + len(plain) + tagSize
	// The IV is built in its final place so that no per-frame buffer
	// escapes to the heap through the cipher.AEAD interface.
	iv := enc[ctEnd : ctEnd+ivLength]
	f.fillIV(iv, rtpTimestamp)
	copy(enc, header)
	// `crypto.subtle.encrypt({ name: ENCRYPTION_ALGORITHM, iv,
	//   additionalData: frameHeader }, encryptionKey,
	//   new Uint8Array(encodedFrame.data, frameInfo.unencryptedBytes))`
	key.gcm.Seal(enc[:clearLen], iv, plain, header)
	// `frameTrailer[0] = IV_LENGTH; frameTrailer[1] = keyIndex;`
	enc[ctEnd+ivLength] = ivLength
	enc[ctEnd+ivLength+1] = byte(keyIndex)
	return out, nil
}

// Decrypt appends the plaintext of an encrypted frame to dst and returns
// the extended slice: the clear header followed by the decrypted rest,
// which is what JS hands the decoder.
//
// The IV length is taken from the trailer, as JS does, so IVs of any
// non-zero length are accepted. No allocation happens when dst has
// len(frame) bytes of spare capacity and the IV is the usual 12 bytes.
// dst's spare capacity must not overlap frame, except that frame[:0] may be
// passed to decrypt in place; frame's contents may then be lost on failure.
//
// Checks follow FrameCryptor.ts decodeFunction: an empty frame yields
// nothing and no error; a frame ending with the SIF trailer yields its
// payload with the trailer stripped, or ErrUnexpectedSIF; then
// ErrNotEncrypted or ErrMalformed for a frame that cannot hold a trailer
// (checked before the key index here; JS only trips over it while
// decrypting), ErrNoKey for a key index without a key, and ErrDecrypt when
// authentication fails. On error the returned slice is nil.
func (f *FrameCryptor) Decrypt(dst, frame []byte, codec Codec) ([]byte, error) {
	if len(frame) == 0 {
		// "skip decryption for empty dtx frames"
		return dst, nil
	}
	if payload, ok := f.serverInjected(frame); ok {
		if !isBlankFrame(codec, payload) {
			return nil, ErrUnexpectedSIF
		}
		return append(dst, payload...), nil
	}
	clearLen, err := clearBytes(frame, codec)
	if err != nil {
		return nil, err
	}
	p, err := parseFrame(frame, clearLen)
	if err != nil {
		return nil, err
	}
	// `const keyIndex = data[encodedFrame.data.byteLength - 1];`
	key := f.ring.slot(int(p.keyIndex))
	if key == nil {
		return nil, ErrNoKey
	}
	aead, err := key.aead(len(p.iv))
	if err != nil {
		return nil, ErrMalformed
	}
	out := append(dst, p.header...)
	// `crypto.subtle.decrypt({ name: ENCRYPTION_ALGORITHM, iv,
	//   additionalData: new Uint8Array(encodedFrame.data, 0, frameHeader.byteLength) }, ...)`
	out, err = aead.Open(out, p.iv, p.ciphertext, p.header)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

// encryptedFrame is a frame split along its trailer.
type encryptedFrame struct {
	header     []byte // clear bytes, also the AAD
	ciphertext []byte // ciphertext ‖ tag
	iv         []byte
	keyIndex   byte
}

// parseFrame splits frame the way FrameCryptor.ts decryptFrame does:
//
//	const frameTrailer = new Uint8Array(encodedFrame.data, encodedFrame.data.byteLength - 2, 2);
//	const ivLength = frameTrailer[0];
//	const iv = new Uint8Array(encodedFrame.data,
//	  encodedFrame.data.byteLength - ivLength - frameTrailer.byteLength, ivLength);
//
// but checks the bounds JS leaves to exceptions, and requires a whole GCM
// tag and a non-empty IV (WebCrypto rejects shorter input).
func parseFrame(frame []byte, clearLen int) (encryptedFrame, error) {
	n := len(frame)
	if n < clearLen+tagSize+1+trailerSize {
		return encryptedFrame{}, ErrNotEncrypted
	}
	ivLen := int(frame[n-2])
	ivStart := n - trailerSize - ivLen
	if ivLen == 0 || ivStart < clearLen+tagSize {
		return encryptedFrame{}, ErrMalformed
	}
	return encryptedFrame{
		header:     frame[:clearLen],
		ciphertext: frame[clearLen:ivStart],
		iv:         frame[ivStart : n-trailerSize],
		keyIndex:   frame[n-1],
	}, nil
}

// clearBytes returns how many leading bytes of frame stay unencrypted,
// following FrameCryptor.ts getUnencryptedBytes:
//
//	if (!isVideoFrame(frame)) {
//	  return { unencryptedBytes: UNENCRYPTED_BYTES.audio, ... };
//	}
//	if (detectedCodec === 'vp8') {
//	  return { unencryptedBytes: UNENCRYPTED_BYTES[frame.type], ... };
//	}
//
// JS reads frame.type ('key'/'delta'). On the sender libwebrtc sets it from
// the encoder; on the receiver its VP8 depacketizer sets it from the P bit
// of the first payload byte (video_rtp_depacketizer_vp8.cc:
// `(*payload_data & 0x01) == 0` → kVideoFrameKey). That byte is always in
// the clear, so reading the bit here decides the same on both sides.
// frame must not be empty.
func clearBytes(frame []byte, codec Codec) (int, error) {
	switch codec {
	case VP8:
		if frame[0]&0x01 == 0 {
			return vp8KeyClearBytes, nil
		}
		return vp8DeltaClearBytes, nil
	case Opus:
		return audioClearBytes, nil
	}
	return 0, ErrUnknownCodec
}

// fillIV writes the 12-byte IV the way FrameCryptor.ts makeIV builds it
// (all big-endian, DataView's default, with JS's ToUint32 wrap-around):
//
//	ivView.setUint32(0, synchronizationSource);
//	ivView.setUint32(4, timestamp);
//	ivView.setUint32(8, timestamp - (sendCount % 0xffff));
//	this.sendCounts.set(synchronizationSource, sendCount + 1);
//
// Receivers treat the IV as opaque; what matters is that it never repeats
// under one key. It could repeat only if one SSRC reused an RTP timestamp
// with a send count congruent mod 0xffff, e.g. after the 32-bit timestamp
// wraps (about 13 h at 90 kHz) - the same exposure JS senders have.
func (f *FrameCryptor) fillIV(iv []byte, rtpTimestamp uint32) {
	count := f.sendCount.Add(1) - 1
	binary.BigEndian.PutUint32(iv[0:4], f.ssrc)
	binary.BigEndian.PutUint32(iv[4:8], rtpTimestamp)
	binary.BigEndian.PutUint32(iv[8:12], rtpTimestamp-uint32(count%0xffff))
}

// grow extends dst by n bytes, reallocating only when its capacity is
// short, and returns the whole slice and the n new bytes.
func grow(dst []byte, n int) (all, tail []byte) {
	all = slices.Grow(dst, n)[:len(dst)+n]
	return all, all[len(dst):]
}
