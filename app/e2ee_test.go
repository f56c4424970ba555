package app

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestASecretNeverPrints(t *testing.T) {
	const pass = "hunter2-correct-horse"
	cfg := TransportConfig{E2EE: NewE2EE(pass)}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "e2ee", cfg.E2EE, "cfg", cfg)
	js, err := json.Marshal(struct{ E E2EE }{cfg.E2EE})
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{logged.String(), string(js)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, cfg.E2EE), fmt.Sprintf(verb, cfg))
	}
	for _, out := range outs {
		if strings.Contains(out, pass) || strings.Contains(out, fmt.Sprintf("%x", pass)) {
			t.Fatalf("the passphrase leaks: %s", out)
		}
	}
	if !cfg.E2EE.On() || cfg.E2EE.Passphrase() != pass || NewE2EE("").On() {
		t.Fatal("On or Passphrase wrong")
	}
}

func TestInviteCarriesThePassphraseOnlyInTheFragment(t *testing.T) {
	for _, pass := range []string{"simple", "with spaces & = # ? / signs", "ünïcödé 🔒"} {
		link := InviteLinkWithPassphrase("ws://192.168.1.20:7880", "team", NewE2EE(pass))
		before, frag, ok := strings.Cut(link, "#")
		if !ok || !strings.HasPrefix(frag, "e2ee=") || before != InviteLink("ws://192.168.1.20:7880", "team") {
			t.Fatalf("%q: the passphrase is not the fragment of the plain invite", link)
		}
		inv, err := ParseInvite(link)
		if err != nil || inv.Server != "ws://192.168.1.20:7880" || inv.Room != "team" || inv.E2EE.Passphrase() != pass {
			t.Fatalf("%q → %+v %v", link, inv, err)
		}
	}
	if l := InviteLinkWithPassphrase("ws://h:1", "r", E2EE{}); strings.Contains(l, "#") {
		t.Fatalf("no passphrase, yet %q", l)
	}
}

// The loop reports an encrypted call once it is connected, and each remote
// track's state only after that remote was reported joined; repeats are
// not reported again, and a remote's states go when it leaves.
func TestEncryptionEventsFollowTheRoster(t *testing.T) {
	tr := newFake()
	early := RemoteEncryption{UserID: "ana", Source: SourceCamera, State: EncryptionOK}
	tr.onConnect = []Signal{CallEncryption{Encrypted: true}, early}
	c := joined(t, tr)
	same(t, upToNow(t, c, isTrackEvent), []Event{
		StateChanged{State: Joining},
		StateChanged{State: Connected},
		CallEncryption{Encrypted: true},
	})
	tr.postNow(RosterChanged{Participants: []Participant{ana(cam, mic)}})
	failed := RemoteEncryption{UserID: "ana", Source: SourceMicrophone, State: EncryptionFailed, Failed: 3}
	tr.postNow(failed)
	tr.postNow(failed) // no news
	tr.postNow(RemoteEncryption{UserID: "bob", Source: SourceCamera, State: EncryptionNoKey})
	same(t, upToNow(t, c, isTrackEvent), []Event{
		UserJoined{UserID: "ana", Name: "Ana"},
		RemoteVideo{UserID: "ana", Source: SourceCamera, Available: true},
		RemoteAudio{UserID: "ana", Source: SourceMicrophone, Available: true},
		early,
		failed,
	})
	if s := c.Snapshot(); !s.Encrypted || len(s.Encryption) != 2 || s.Encryption[1] != failed {
		t.Fatalf("snapshot %+v", s)
	}
	tr.postNow(RosterChanged{})
	upToNow(t, c, nil)
	if s := c.Snapshot(); len(s.Encryption) != 0 {
		t.Fatalf("ana left, yet %+v", s.Encryption)
	}
	c.Leave()
	if s := c.Snapshot(); s.Encrypted {
		t.Fatal("still encrypted after leaving")
	}
}

func TestAnUnencryptedCallSaysNothingAboutEncryption(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{CallEncryption{Encrypted: false}, RosterChanged{Participants: []Participant{ana(cam)}}}
	c := joined(t, tr)
	for _, ev := range upToNow(t, c, nil) {
		if _, ok := ev.(CallEncryption); ok {
			t.Fatalf("%#v", ev)
		}
	}
}
