package livekit

import (
	"sync"

	"github.com/livekit/protocol/livekit"
	lksdk "github.com/livekit/server-sdk-go/v2"

	"confer/app"
	"confer/media/e2ee"
)

// End-to-end encryption with a shared passphrase, as livekit-client does it
// (ExternalE2EEKeyProvider.setKey(passphrase)), so browsers and Confer can
// share an encrypted room. media/e2ee does the bytes; this file (keys,
// announcements, data), e2ee_send.go and e2ee_recv.go do the protocol:
//
//   - Every track this participant publishes is announced encrypted
//     (AddTrackRequest.encryption = GCM): receivers decide from it.
//   - Each encoded VP8 frame and Opus packet is encrypted whole before the
//     SDK packetizes it (sealedWriter).
//   - Each subscribed track whose TrackInfo.encryption is not NONE is
//     decrypted whole after the receive pipeline reassembles a frame and
//     before it decodes it (trackOpener, the pipeline's Decrypt hook).
//   - Data packets: the SDK's own DataCryptor, given the same key ring.
//
// RED is never used on encrypted tracks, as livekit-client requires: the
// microphone is published as plain Opus, no RED codec is negotiated, and
// the server never turns an encrypted track into RED for its subscribers.

// sessionKeys is a session's end-to-end encryption key, derived once per
// session from the transport's passphrase.
type sessionKeys struct {
	once sync.Once
	on   bool // the person gave a passphrase
	// ring holds the key at index 0, as livekit-client keeps a shared
	// passphrase's. It is nil when off, or when the key could not be
	// derived; then nothing is sent at all rather than anything in the
	// clear.
	ring *e2ee.KeyRing
}

// keys derives the key on first use: PBKDF2 with 100 000 rounds, tens of
// milliseconds, on the call's worker goroutine as it joins (media/e2ee
// caches it per passphrase, so a rejoin costs nothing).
func (s *session) keys() *sessionKeys {
	k := &s.crypt
	k.once.Do(func() {
		secret := s.t.config().E2EE
		if !secret.On() {
			return
		}
		k.on = true
		ring, err := e2ee.NewPassphraseKeyRing(secret.Passphrase())
		if err != nil {
			s.t.config().Log.Error("end-to-end encryption has no key: nothing will be sent", "err", err)
			return
		}
		k.ring = ring
	})
	return k
}

// e2eeJoinOption prepares the key before joining, tells the call it is
// encrypted, and has the SDK encrypt and decrypt data packets with the
// same key (without a key ring it sends and accepts plain ones only).
func (s *session) e2eeJoinOption() lksdk.ConnectOption {
	k := s.keys()
	if !k.on {
		return lksdk.WithDataEncryption(nil) // changes nothing
	}
	s.emit(app.CallEncryption{Encrypted: true})
	return lksdk.WithDataEncryption(&lksdk.EncryptionOptions{KeyProvider: ringKeys{k.ring}})
}

// ringKeys lends the key ring to the SDK's data cryptor, so data packets
// use the key media frames use, at the index livekit-client uses.
type ringKeys struct{ ring *e2ee.KeyRing }

func (r ringKeys) GetKey(index uint32) ([]byte, error) {
	if r.ring == nil || index >= e2ee.KeyRingSize {
		return nil, e2ee.ErrNoKey
	}
	k, ok := r.ring.Key(int(index))
	if !ok {
		return nil, e2ee.ErrNoKey
	}
	return k.Bytes(), nil
}

func (r ringKeys) CurrentKeyIndex() uint32 {
	if r.ring == nil {
		return 0
	}
	return uint32(r.ring.CurrentIndex())
}

// sealedOptions marks a publication encrypted when this participant
// encrypts: TrackInfo.encryption is the only way receivers know to
// decrypt, as frames carry no marker.
func (s *session) sealedOptions(o *lksdk.TrackPublicationOptions) *lksdk.TrackPublicationOptions {
	if s.keys().on {
		o.Encryption = livekit.Encryption_GCM
	}
	return o
}

// simulcast tells whether the camera may send simulcast layers. Not while
// encrypting: server-sdk-go v2.17.0 (and its main branch) builds the
// AddTrackRequest of PublishSimulcastTrack without the options' Encryption
// (localparticipant.go, prepareSimulcastTrackPublication), so an encrypted
// camera would be announced as plain and every receiver would decode its
// ciphertext as VP8. An encrypted camera is one full-size layer instead;
// PublishTrack announces it correctly.
func (s *session) simulcast() bool { return !s.keys().on }
