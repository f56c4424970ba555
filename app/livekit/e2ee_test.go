package livekit_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"confer/app"
	"confer/internal/testenv"
	"confer/media"
	"confer/media/capture"
	"confer/media/synth"
)

// byUser collects what one participant decodes, per remote user, and
// wakes a waiter at every frame and audio packet.
type byUser struct {
	mu    sync.Mutex
	users map[string]*received
	wake  chan struct{}
}

func newByUser() *byUser {
	return &byUser{users: map[string]*received{}, wake: make(chan struct{}, 1)}
}

func (b *byUser) get(user string) *received {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.users[user]
	if r == nil {
		r = &received{}
		b.users[user] = r
	}
	return r
}

// sink is what a transport is given for user's media.
func (b *byUser) sink(user string) notifying { return notifying{b.get(user), b.wake} }

type notifying struct {
	r    *received
	wake chan struct{}
}

func (n notifying) WriteFrame(f *media.VideoFrame) { n.r.WriteFrame(f); n.poke() }
func (n notifying) WritePCM(pcm []int16)           { n.r.WritePCM(pcm); n.poke() }
func (n notifying) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// until waits for cond, checked whenever media arrives.
func (b *byUser) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for !cond() {
		select {
		case <-b.wake:
		case <-timeout:
			t.Fatalf("%s: not within 20 s", what)
		}
	}
}

// e2eePeer is a participant with a passphrase (or none), its media per
// remote, and the encryption states its call reported.
type e2eePeer struct {
	*participant
	name      string
	got       *byUser
	encrypted bool
	states    map[string]map[app.Source]app.RemoteEncryption
}

// smallCamera is one layer: too narrow for a simulcast layer beside it.
var smallCamera = media.VideoProfile{Width: 320, Height: 240, FPS: 30, BitrateKbps: 400}

func newE2EEPeer(name, passphrase string) *e2eePeer {
	return newE2EEPeerWith(name, passphrase, smallCamera)
}

func newE2EEPeerWith(name, passphrase string, camera media.VideoProfile) *e2eePeer {
	devices := capture.AddFakePair("e2ee-" + name)
	p := &e2eePeer{name: name, got: newByUser(), states: map[string]map[app.Source]app.RemoteEncryption{}}
	p.participant = startParticipant(name, app.TransportConfig{
		CameraID:     devices.CameraID,
		MicrophoneID: devices.MicrophoneID,
		Video:        camera,
		E2EE:         app.NewE2EE(passphrase),
		VideoSink:    func(u string, _ app.Source) media.FrameSink { return p.got.sink(u) },
		AudioSink:    func(u string, _ app.Source) media.PCMSink { return p.got.sink(u) },
	})
	return p
}

// await reads the call's events until cond holds for what they said.
func (p *e2eePeer) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for !cond() {
		select {
		case ev := <-p.events:
			switch e := ev.(type) {
			case app.CallEncryption:
				p.encrypted = e.Encrypted
			case app.RemoteEncryption:
				if p.states[e.UserID] == nil {
					p.states[e.UserID] = map[app.Source]app.RemoteEncryption{}
				}
				p.states[e.UserID][e.Source] = e
			}
		case <-timeout:
			t.Fatalf("%s: %s not within 20 s; states %+v", p.name, what, p.states)
		}
	}
}

// is tells whether the camera and the microphone of user are in state,
// with more than minFailed frames dropped each.
func (p *e2eePeer) is(user string, state app.Encryption, minFailed int) bool {
	for _, src := range []app.Source{app.SourceCamera, app.SourceMicrophone} {
		e, ok := p.states[user][src]
		if !ok || e.State != state || e.Failed < minFailed {
			return false
		}
	}
	return true
}

// sees waits for frames pictures with a readable time strip from user,
// and, with tone, a second of its 440 Hz tone.
func (p *e2eePeer) sees(t *testing.T, user string, frames int, tone bool) {
	t.Helper()
	r := p.got.get(user)
	p.got.until(t, fmt.Sprintf("%s decoding %s", p.name, user), func() bool {
		n, pcm := r.snapshot()
		return n >= frames && (!tone || len(pcm) >= media.SampleRate)
	})
	if !tone {
		return
	}
	_, pcm := r.snapshot()
	if f := synth.DominantFrequency(pcm[len(pcm)-media.SampleRate/2:], media.SampleRate); math.Abs(f-capture.FakeTone.Freq) > 10 {
		t.Errorf("%s hears %s at %.1f Hz, want %.0f Hz", p.name, user, f, capture.FakeTone.Freq)
	}
}

// nothingFrom checks that p decoded no picture and no sound of user.
func (p *e2eePeer) nothingFrom(t *testing.T, user string) {
	t.Helper()
	r := p.got.get(user)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frames+r.badStrips > 0 || len(r.pcm) > 0 {
		t.Errorf("%s decoded %d pictures and %d samples of %s, want none", p.name, r.frames+r.badStrips, len(r.pcm), user)
	}
}

// Two people with the same passphrase see and hear each other; one
// without a passphrase and one with another passphrase decode nothing of
// them and say why (no-key, failed); and the first two see the one who
// does not encrypt, marked as such.
func TestEncryptedCallWithStrangers(t *testing.T) {
	srv := testenv.StartServer(t)
	ana, bob := newE2EEPeer("ana", "correct horse battery staple"), newE2EEPeer("bob", "correct horse battery staple")
	cay, dan := newE2EEPeer("cay", ""), newE2EEPeer("dan", "wrong passphrase")
	peers := []*e2eePeer{ana, bob, cay, dan}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range peers {
		testenv.Labelled(p.owner, func() {
			if err := p.call.Join(ctx, joinParams(srv, p.name)); err != nil {
				t.Fatalf("%s join: %v", p.name, err)
			}
		})
	}

	ana.await(t, "bob ok, cay none, dan failed", func() bool {
		return ana.encrypted && ana.is("bob", app.EncryptionOK, 0) && ana.is("cay", app.EncryptionNone, 0) &&
			ana.is("dan", app.EncryptionFailed, 1)
	})
	bob.await(t, "ana ok, cay none, dan failed", func() bool {
		return bob.encrypted && bob.is("ana", app.EncryptionOK, 0) && bob.is("cay", app.EncryptionNone, 0) &&
			bob.is("dan", app.EncryptionFailed, 1)
	})
	cay.await(t, "everyone else no-key, with frames dropped", func() bool {
		return cay.is("ana", app.EncryptionNoKey, 1) && cay.is("bob", app.EncryptionNoKey, 1) && cay.is("dan", app.EncryptionNoKey, 1)
	})
	dan.await(t, "ana and bob failed, cay none", func() bool {
		return dan.encrypted && dan.is("ana", app.EncryptionFailed, 1) && dan.is("bob", app.EncryptionFailed, 1) &&
			dan.is("cay", app.EncryptionNone, 0)
	})
	if cay.encrypted {
		t.Error("cay, without a passphrase, was told the call is encrypted")
	}

	// With the strangers in the room for a while, ana and bob still see
	// and hear each other, and whoever sends in the clear.
	ana.sees(t, "bob", 90, true)
	bob.sees(t, "ana", 90, true)
	ana.sees(t, "cay", 30, true)
	dan.sees(t, "cay", 30, false)
	for _, who := range []string{"ana", "bob", "dan"} {
		cay.nothingFrom(t, who)
	}
	for _, who := range []string{"ana", "bob"} {
		dan.nothingFrom(t, who)
	}
	ana.nothingFrom(t, "dan")
	for _, p := range []*e2eePeer{ana, bob} {
		other := map[string]string{"ana": "bob", "bob": "ana"}[p.name]
		r := p.got.get(other)
		r.mu.Lock()
		t.Logf("%s from %s: %d pictures, %d strips unreadable, max latency %v; dropped from dan: %d video, %d audio",
			p.name, other, r.frames, r.badStrips, r.maxLatency,
			p.states["dan"][app.SourceCamera].Failed, p.states["dan"][app.SourceMicrophone].Failed)
		r.mu.Unlock()
	}
	t.Logf("cay dropped from ana: %d video, %d audio frames", cay.states["ana"][app.SourceCamera].Failed, cay.states["ana"][app.SourceMicrophone].Failed)

	for _, p := range peers {
		p.call.Close()
		<-p.done
	}
	for _, p := range peers {
		testenv.CheckNoGoroutines(t, p.owner, 5*time.Second)
	}
}
