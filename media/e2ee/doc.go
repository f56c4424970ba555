// Package e2ee implements livekit-client 2.x (JS) end-to-end encryption
// for a shared passphrase (ExternalE2EEKeyProvider.setKey), byte for byte:
// key derivation and ratchet (key.go), the key ring (keyring.go), media
// frame encryption for VP8 and Opus (frame.go), server-injected frames
// (sif.go) and data packet encryption (data.go).
//
// Typical use:
//
//	ring, err := e2ee.NewPassphraseKeyRing(passphrase) // key index 0, as JS
//	send := e2ee.NewFrameCryptor(ring, localSSRC)
//	buf, err = send.Encrypt(buf[:0], frame, e2ee.VP8, rtpTimestamp)
//
//	recv := e2ee.NewFrameCryptor(ring, remoteSSRC)
//	recv.SetSIFTrailer(joinResponse.SifTrailer)
//	out, err = recv.Decrypt(out[:0], frame, e2ee.VP8) // drop the frame on error
//
// Frames carry no marker saying they are encrypted. Peers learn it from the
// signalling: a publisher must send AddTrackRequest.encryption = GCM for
// every track it encrypts, and receivers decrypt the tracks whose
// TrackInfo.encryption is not NONE. The package does none of that protocol
// work itself.
package e2ee
