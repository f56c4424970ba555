package app

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// E2EE is the secret a call is end-to-end encrypted with: a passphrase
// everyone in the room types, as livekit-client's
// ExternalE2EEKeyProvider.setKey(passphrase) takes it. Media frames and
// data packets are encrypted with a key derived from it before they leave,
// so the server forwards only ciphertext. The zero E2EE is no encryption.
//
// An E2EE never shows its secret: every fmt verb, slog and JSON print a
// placeholder, so a config or params logged whole leak nothing. Only
// Passphrase returns it, for the transport that derives the key.
type E2EE struct{ passphrase string }

// NewE2EE makes the secret of a passphrase; "" is no encryption.
func NewE2EE(passphrase string) E2EE { return E2EE{passphrase: passphrase} }

// On tells whether the call is to be encrypted.
func (e E2EE) On() bool { return e.passphrase != "" }

// Passphrase returns the secret itself. Never log it.
func (e E2EE) Passphrase() string { return e.passphrase }

// String keeps the secret out of logs.
func (e E2EE) String() string {
	if e.On() {
		return "e2ee(redacted)"
	}
	return "e2ee(off)"
}

// GoString keeps the secret out of %#v.
func (e E2EE) GoString() string { return e.String() }

// Format keeps the secret out of every other verb (%x, %q, %d …).
func (e E2EE) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, e.String()) }

// LogValue keeps the secret out of slog.
func (e E2EE) LogValue() slog.Value { return slog.StringValue(e.String()) }

// MarshalText keeps the secret out of JSON and other encoders.
func (e E2EE) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// Encryption is how a remote track's end-to-end encryption stands here.
type Encryption int

const (
	// EncryptionNone: the sender does not encrypt the track (its
	// publication says so). In an encrypted call it is still shown, with a
	// warning: see RemoteEncryption.
	EncryptionNone Encryption = iota
	// EncryptionOK: the track is encrypted and its frames decrypt.
	EncryptionOK
	// EncryptionNoKey: the track is encrypted and this participant holds no
	// key for it (it joined without a passphrase, or the frames name a key
	// index it does not have). Nothing of it is shown or played.
	EncryptionNoKey
	// EncryptionFailed: the track is encrypted and its frames fail
	// authentication: the sender most likely typed another passphrase.
	// Nothing of it is shown or played.
	EncryptionFailed
)

func (e Encryption) String() string {
	switch e {
	case EncryptionNone:
		return "none"
	case EncryptionOK:
		return "ok"
	case EncryptionNoKey:
		return "no-key"
	case EncryptionFailed:
		return "failed"
	}
	return "unknown"
}

// CallEncryption reports that this participant's call is end-to-end
// encrypted: what it sends is, and it decrypts what others send with the
// same passphrase. It is reported once per session as it connects; an
// unencrypted call reports nothing. It is also the transport's signal,
// posted while connecting.
type CallEncryption struct {
	Encrypted bool
}

// RemoteEncryption reports how one remote track's encryption stands here:
// when its first frame arrives (at once when there is nothing to try),
// whenever that changes, and about once a second while frames keep failing
// (Failed counts the frames dropped because they could not be decrypted).
// Only encrypted calls and encrypted tracks are reported.
//
// The policy for EncryptionNone in an encrypted call: the track is shown
// and played, and the owner shows that it is not encrypted. Refusing it
// would silently cut off everyone whose client cannot encrypt, and it
// would protect nothing: this participant's own media stay encrypted
// either way, and a sender who does not encrypt has already given its
// media to the server. livekit-client plays such tracks too.
//
// It is also the transport's signal; the loop holds a remote's reports
// until that remote has been reported joined, and forgets them when it
// leaves.
type RemoteEncryption struct {
	UserID string
	Source Source
	State  Encryption
	Failed int
}

func (CallEncryption) isSignal()   {}
func (CallEncryption) isEvent()    {}
func (RemoteEncryption) isSignal() {}
func (RemoteEncryption) isEvent()  {}

// trackKey names one remote track.
type trackKey struct {
	user   string
	source Source
}

// encryption is what the loop knows about end-to-end encryption in the
// session under way.
type encryption struct {
	local     bool // the transport said this participant encrypts
	announced bool // CallEncryption was reported this session
	latest    map[trackKey]RemoteEncryption
	told      map[trackKey]RemoteEncryption
}

// note records a remote track's report.
func (e *encryption) note(r RemoteEncryption) {
	if e.latest == nil {
		e.latest, e.told = map[trackKey]RemoteEncryption{}, map[trackKey]RemoteEncryption{}
	}
	e.latest[trackKey{r.UserID, r.Source}] = r
}

// announce appends CallEncryption once per session, for an encrypted call.
func (e *encryption) announce(out []Event) []Event {
	if e.local && !e.announced {
		e.announced = true
		out = append(out, CallEncryption{Encrypted: true})
	}
	return out
}

// flush appends the reports the owner has not heard, for remotes it knows
// (reported holds them), in a stable order; and forgets the tracks of
// remotes that were reported and have gone.
func (e *encryption) flush(reported map[string]Participant, out []Event) []Event {
	keys := make([]trackKey, 0, len(e.latest))
	for k := range e.latest {
		keys = append(keys, k)
	}
	sortTrackKeys(keys)
	for _, k := range keys {
		r := e.latest[k]
		_, known := reported[k.user]
		told, wasTold := e.told[k]
		switch {
		case !known && wasTold: // left
			delete(e.latest, k)
			delete(e.told, k)
		case known && (!wasTold || told != r):
			e.told[k] = r
			out = append(out, r)
		}
	}
	return out
}

// snapshot lists what the owner was told, in a stable order.
func (e *encryption) snapshot() []RemoteEncryption {
	keys := make([]trackKey, 0, len(e.told))
	for k := range e.told {
		keys = append(keys, k)
	}
	sortTrackKeys(keys)
	out := make([]RemoteEncryption, 0, len(keys))
	for _, k := range keys {
		out = append(out, e.told[k])
	}
	return out
}

func sortTrackKeys(keys []trackKey) {
	slices.SortFunc(keys, func(a, b trackKey) int {
		if c := strings.Compare(a.user, b.user); c != 0 {
			return c
		}
		return cmp.Compare(a.source, b.source)
	})
}
