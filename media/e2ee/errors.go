package e2ee

import (
	"errors"
	"fmt"
)

// Errors returned by this package. The frame and data paths return them
// bare (never wrapped with per-frame detail) so that dropping a bad frame
// costs no allocation; compare with errors.Is.
//
// A receiver should drop the frame or packet on any of them, which is what
// livekit-client does (worker/FrameCryptor.ts decodeFunction: every failure
// path returns without controller.enqueue).
var (
	// ErrNoKey: the key index named by a frame's last byte or a packet's
	// key_index, or the ring's current index when encrypting, holds no key;
	// or SetKey was given the zero Key. JS equivalent:
	// CryptorErrorReason.MissingKey, "missing key at index N".
	ErrNoKey = errors.New("e2ee: no key at that key index")

	// ErrDecrypt: AES-GCM authentication failed. The usual cause is a wrong
	// passphrase; a tampered frame, or a plaintext frame from a sender
	// flagged as encrypted, fails the same way. JS equivalent:
	// CryptorErrorReason.InvalidKey, "Decryption failed".
	ErrDecrypt = errors.New("e2ee: decryption failed (wrong key or corrupted data)")

	// ErrMalformed: the input cannot be an encrypted frame or packet: its
	// trailer names a zero-length IV or one longer than the frame leaves
	// room for, a data packet has no IV or is shorter than a GCM tag, or a
	// frame to encrypt is shorter than its codec's clear header.
	ErrMalformed = errors.New("e2ee: malformed frame")

	// ErrNotEncrypted: the frame is too short to hold a clear header, a
	// GCM tag, an IV and the 2-byte trailer, so it cannot have come from an
	// encryptor. It wraps ErrMalformed: errors.Is(err, ErrMalformed) holds.
	ErrNotEncrypted = fmt.Errorf("%w: too short to be encrypted", ErrMalformed)

	// ErrUnexpectedSIF: the frame ends with the room's SIF trailer but its
	// payload is not the server's blank frame for the codec. JS drops such
	// frames too ("Unexpected SIF frame payload, dropping frame").
	ErrUnexpectedSIF = errors.New("e2ee: server-injected frame with unexpected payload")

	// ErrKeyIndex: a key index outside 0..KeyRingSize-1 was given to a
	// KeyRing method.
	ErrKeyIndex = errors.New("e2ee: key index out of range")

	// ErrUnknownCodec: the Codec is neither VP8 nor Opus.
	ErrUnknownCodec = errors.New("e2ee: unsupported codec")

	// ErrEmptyPassphrase: KeyFromPassphrase was given "". JS would derive a
	// key from it, but an empty shared secret is always a configuration
	// mistake, so it is refused here.
	ErrEmptyPassphrase = errors.New("e2ee: empty passphrase")
)
