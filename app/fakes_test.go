package app

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"confer/media"
)

// fakeTransport is a transport whose network side is the test: Connect
// posts what the test says and returns its error; every call is recorded
// on a channel the test reads in order.
type fakeTransport struct {
	onConnect  []Signal
	connectErr error
	// blockConnect makes Connect wait for its context.
	blockConnect bool
	// gate, when set, holds every SetSource until the test sends on it.
	gate chan struct{}

	// chatGate, when set, holds every SendChat until the test sends on it.
	chatGate chan struct{}

	// refuse makes Connect to these server URLs fail (a stopped node);
	// lostOnRefuse has such a session report its loss on the way out.
	refuse       map[string]error
	lostOnRefuse bool

	mu        sync.Mutex
	post      func(Signal)
	urls      []string // every Connect's server URL, in order
	sourceErr map[Source]error
	chatErr   error

	calls chan string
}

func newFake() *fakeTransport {
	return &fakeTransport{calls: make(chan string, 256), sourceErr: map[Source]error{}}
}

func (f *fakeTransport) record(format string, args ...any) {
	f.calls <- fmt.Sprintf(format, args...)
}

func (f *fakeTransport) Connect(ctx context.Context, p JoinParams, post func(Signal)) error {
	f.mu.Lock()
	f.urls = append(f.urls, p.ServerURL)
	f.mu.Unlock()
	if err := f.refuse[p.ServerURL]; err != nil {
		if f.lostOnRefuse {
			post(LinkLost{Err: ErrServerGone})
		}
		f.record("connect refused")
		return err
	}
	f.mu.Lock()
	f.post = post
	f.mu.Unlock()
	f.record("connect")
	for _, sig := range f.onConnect {
		post(sig)
	}
	if f.blockConnect {
		<-ctx.Done()
		f.record("connect cancelled")
		return ctx.Err()
	}
	return f.connectErr
}

func (f *fakeTransport) Disconnect() { f.record("disconnect") }

func (f *fakeTransport) SetSource(src Source, on bool, device string) error {
	if f.gate != nil {
		<-f.gate
	}
	f.record("%v %v %s", src, onOffWord(on), device)
	f.mu.Lock()
	defer f.mu.Unlock()
	if on {
		return f.sourceErr[src]
	}
	return nil
}

func onOffWord(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func (f *fakeTransport) SetVideoProfile(p media.VideoProfile) error {
	f.record("video %dx%d", p.Width, p.Height)
	return nil
}
func (f *fakeTransport) SetAudioProfile(p AudioProfile) error { f.record("audio %v", p); return nil }
func (f *fakeTransport) SetAudioProcessing(p media.AudioProcessing) error {
	f.record("processing %+v", p)
	return nil
}
func (f *fakeTransport) UseDevice(src Source, id string) error {
	f.record("use %v %s", src, id)
	return nil
}
func (f *fakeTransport) SetRemoteVideoSize(user string, src Source, w, h int) {
	f.record("size %s %v %dx%d", user, src, w, h)
}
func (f *fakeTransport) SetRemoteAudioMuted(user string, muted bool) {
	f.record("mute %s %v", user, muted)
}
func (f *fakeTransport) SetRemoteVolume(user string, gain float64) {
	f.record("volume %s %v", user, gain)
}
func (f *fakeTransport) SendChat(m ChatMessage) error {
	if f.chatGate != nil {
		<-f.chatGate
	}
	f.record("chat %s", m.Text)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.chatErr
}
func (f *fakeTransport) SendReaction(emoji string) error { f.record("react %s", emoji); return nil }
func (f *fakeTransport) SetAttributes(attrs map[string]string) error {
	f.record("attributes %s=%q", HandAttribute, attrs[HandAttribute])
	return nil
}
func (f *fakeTransport) SetLevelInterval(d time.Duration) { f.record("levels %v", d) }
func (f *fakeTransport) ProbeServer()                     { f.record("probe") }

// postNow posts a signal as the transport of the current session.
func (f *fakeTransport) postNow(sig Signal) {
	f.mu.Lock()
	post := f.post
	f.mu.Unlock()
	post(sig)
}

// waitCall reads the transport's calls until want, failing on any other
// call not in skip.
func (f *fakeTransport) waitCall(t *testing.T, want string, skip ...string) {
	t.Helper()
	for {
		select {
		case got := <-f.calls:
			if got == want {
				return
			}
			if !contains(skip, got) {
				t.Fatalf("transport call %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no transport call %q", want)
		}
	}
}

// tickUntilCall advances clock one link tick at a time until the transport
// is called with want: a tick the loop takes before it is ready for it
// does nothing, so one tick is not enough to wait for.
func (f *fakeTransport) tickUntilCall(t *testing.T, clock *fakeClock, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		clock.Advance(DefaultLinkRules.Tick)
		select {
		case got := <-f.calls:
			if got != want {
				t.Fatalf("transport call %q, want %q", got, want)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no transport call %q", want)
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// fakeClock is moved by hand; its tickers fire when Advance crosses them.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	tickers []*fakeTicker
}

type fakeTicker struct {
	c       chan time.Time
	every   time.Duration
	next    time.Time
	stopped bool
}

func (t *fakeTicker) C() <-chan time.Time { return t.c }
func (t *fakeTicker) Stop()               { t.stopped = true }

func newFakeClock() *fakeClock { return &fakeClock{now: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(d time.Duration) Ticker {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTicker{c: make(chan time.Time, 1), every: d, next: c.now.Add(d)}
	c.tickers = append(c.tickers, t)
	return t
}

// Advance moves time on and fires each live ticker once if it came due (a
// ticker drops ticks a slow reader misses, as time.Ticker does).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	var due []*fakeTicker
	for _, t := range c.tickers {
		if !t.stopped && !now.Before(t.next) {
			for !now.Before(t.next) {
				t.next = t.next.Add(t.every)
			}
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		select {
		case t.c <- now:
		default:
		}
	}
}

// marker is an event only tests emit, to see where the events of what they
// did so far end.
type marker struct{}

func (marker) isEvent() {}

// upToNow returns every event the call emitted for what happened before
// it was called (a marker goes through the loop after them), skipping those
// skip matches.
func upToNow(t *testing.T, c *Call, skip func(Event) bool) []Event {
	t.Helper()
	c.inbox.put(func(l *loop) { l.emit(marker{}) })
	var out []Event
	for {
		select {
		case ev := <-c.Events():
			if _, ok := ev.(marker); ok {
				return out
			}
			if skip == nil || !skip(ev) {
				out = append(out, ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("the call's loop did not answer; events so far %#v", out)
		}
	}
}

// waitEvent reads the call's events until one that ok matches.
func waitEvent(t *testing.T, c *Call, ok func(Event) bool) {
	t.Helper()
	for {
		select {
		case ev := <-c.Events():
			if ok(ev) {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the event waited for did not come")
		}
	}
}

func same(t *testing.T, got, want []Event) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events\n got %#v\nwant %#v", got, want)
	}
}

func isTrackEvent(ev Event) bool { _, ok := ev.(RemoteTrack); return ok }
