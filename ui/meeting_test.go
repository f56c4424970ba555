package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/internal/bot"
	"confer/internal/testenv"
	"confer/internal/wiring"
	"confer/media"
	"confer/media/capture"
)

// testBot is an in-process bot whose events the test can wait for.
type testBot struct {
	events chan app.Event
	cancel context.CancelFunc
	done   sync.WaitGroup
}

func startTestBot(t *testing.T, cfg bot.Config) *testBot {
	b := &testBot{events: make(chan app.Event, 4096)}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	cfg.Log, cfg.Transport = testenv.QuietLog(), wiring.Transport
	cfg.Observe = func(ev app.Event) {
		select {
		case b.events <- ev:
		default:
		}
	}
	b.done.Add(1)
	go func() {
		defer b.done.Done()
		_, _ = bot.Run(ctx, cfg)
	}()
	t.Cleanup(b.stop)
	return b
}

func (b *testBot) stop() { b.cancel(); b.done.Wait() }

func (b *testBot) wait(t *testing.T, what string, match func(app.Event) bool) app.Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-b.events:
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("the bot saw no %s", what)
		}
	}
}

// mixLevel measures what the call's mixer hands to the speaker.
type mixLevel struct{ tap media.PlaybackTap }

// recent is the RMS of the last d of mixed sound, 0–1 (waits for d).
func (m mixLevel) recent(d time.Duration) float64 {
	m.tap.Drain(func([]int16, time.Time) {}) // what came before
	time.Sleep(d)
	var sum float64
	var n int
	m.tap.Drain(func(pcm []int16, _ time.Time) {
		for _, s := range pcm {
			v := float64(s) / 32768
			sum += v * v
		}
		n += len(pcm)
	})
	if n == 0 {
		return 0
	}
	return sum / float64(n) * 1e4 // ×10⁴: a mean square readable as a level
}

// The window's chat, people panel and hands with bots in the call: a
// message received while the chat is closed counts as unread and shows
// a notice, and is there when the panel opens; a message typed goes out;
// one too long is refused with a reason; a raised hand puts its owner at
// the top of the people panel; "Mute for me" silences someone in the mix.
func TestChatPeopleAndHandsInTheWindow(t *testing.T) {
	capture.RegisterFakeDevices()
	srv := testenv.StartServer(t)
	a := test.NewTempApp(t)
	loop := startUILoop()
	defer loop.stop()
	var c *controller
	loop.sync(func() {
		w := a.NewWindow("Confer")
		w.Resize(fyne.NewSize(1280, 720))
		c = newTestController(a, w, Options{Server: srv.URL(), Room: "meet", Name: "Grace", Log: testenv.QuietLog()}, &bridge{run: loop.post})
		c.start()
		c.lobby.camOn.SetChecked(false)
		c.lobby.micOn.SetChecked(false)
		test.Tap(c.lobby.join)
	})
	waitFor(t, loop, "the call", func() bool { return c.view != nil })
	var mix mixLevel
	loop.sync(func() { mix.tap = c.pres.mixer.PlaybackTap() })
	defer mix.tap.Close()

	// Someone joins: a notice, and a sound through the call's mixer.
	startTestBot(t, bot.Config{Server: srv.URL(), Room: "meet", User: "bob", Name: "Bob"})
	waitFor(t, loop, "Bob in the people panel", func() bool { return slices.Contains(c.view.meet.people.order, "bob") })
	if !waitLevel(mix, func(l float64) bool { return l > 1 }) {
		t.Error("no sound in the mix when Bob joined")
	}

	pair := capture.AddFakePair("ada-meeting")
	ada := startTestBot(t, bot.Config{Server: srv.URL(), Room: "meet", User: "ada", Name: "Ada", Audio: true,
		MicrophoneID: pair.MicrophoneID, Say: []string{"hello from Ada, see https://example.org/agenda."}, RaiseHand: true})
	waitFor(t, loop, "Ada's message unread", func() bool { return c.view.meet.chat.unread == 1 })
	loop.sync(func() {
		// Her raised hand may come with it: both lines show.
		if n := c.view.meet.notice; !n.Visible() || !slices.ContainsFunc(strings.Split(n.Text, "\n"), func(l string) bool {
			return strings.HasPrefix(l, "Ada: hello from Ada")
		}) {
			t.Errorf("notice %q (shown %v)", n.Text, n.Visible())
		}
		if c.view.meet.chatBtn.Text != "1" {
			t.Errorf("the chat button says %q", c.view.meet.chatBtn.Text)
		}
	})
	waitFor(t, loop, "Ada's hand at the top", func() bool {
		return slices.Equal(c.view.meet.people.order, []string{"ada", "", "bob"}) && c.view.tiles["ada"].Info().Hand
	})

	// The chat panel opens with the message in it, its link clickable.
	loop.sync(func() {
		test.Tap(c.view.meet.chatBtn)
		p := c.view.meet.chat
		if !p.open || p.unread != 0 || c.view.meet.chatBtn.Text != "" || len(p.lines) != 1 || p.lines[0].from != "ada" {
			t.Fatalf("chat panel open %v, unread %d, lines %d", p.open, p.unread, len(p.lines))
		}
		body := p.list.Objects[0].(*fyne.Container).Objects[1].(*widget.RichText)
		if link, ok := body.Segments[1].(*widget.HyperlinkSegment); !ok || link.URL.String() != "https://example.org/agenda" {
			t.Errorf("segments %#v", body.Segments)
		}
	})
	// What Grace types reaches Ada; a message too long is refused.
	loop.sync(func() {
		p := c.view.meet.chat
		test.Type(p.input, "hi Ada 👋")
		test.Tap(p.send)
		p.input.SetText(strings.Repeat("x", app.MaxChatLength+1))
		p.submit()
		if !p.problem.Visible() || !strings.Contains(p.problem.Text, "Too long") {
			t.Errorf("problem %q", p.problem.Text)
		}
	})
	ada.wait(t, "Grace's message", func(ev app.Event) bool {
		e, ok := ev.(app.ChatReceived)
		return ok && e.Name == "Grace" && e.Text == "hi Ada 👋"
	})
	waitFor(t, loop, "Grace's message sent", func() bool {
		l := c.view.meet.chat.lines
		return len(l) == 2 && l[1].mine && !strings.Contains(l[1].header.Text, "sending")
	})

	// Mute for me: Ada's tone leaves the mix, and comes back.
	loop.sync(func() { c.devices.sounds = false })
	if !waitLevel(mix, func(l float64) bool { return l > 1 }) {
		t.Fatal("Ada's microphone is not in the mix")
	}
	loop.sync(func() { c.view.meet.people.toggleMuteForMe("ada") })
	if !waitLevel(mix, func(l float64) bool { return l < 0.001 }) {
		t.Error("Ada still heard after Mute for me")
	}
	loop.sync(func() {
		if s := personStatus(c.view.meet.people.people["ada"]); !strings.Contains(s, "muted for me") {
			t.Errorf("Ada's status %q", s)
		}
		c.view.meet.people.toggleMuteForMe("ada")
	})
	if !waitLevel(mix, func(l float64) bool { return l > 1 }) {
		t.Error("Ada not heard again after unmuting")
	}
	loop.sync(c.quit)
	<-c.quitDone
	loop.sync(func() {})
}

// waitLevel measures the mix in 300 ms windows until ok, for 10 s.
func waitLevel(m mixLevel, ok func(level float64) bool) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if ok(m.recent(300 * time.Millisecond)) {
			return true
		}
	}
	return false
}

// The call view alone, fed events: hands reorder the people panel in the
// order raised, a pin puts a person on the stage, chat counts as unread
// until the panel opens, and the toolbar shows our own hand.
func TestPeopleOrderPinAndUnread(t *testing.T) {
	test.NewTempApp(t)
	nop := func() {}
	var hand []bool
	v := newCallView("Grace", func(fn func()) { fn() }, callActions{toggleMic: nop, toggleCam: nop, copyInvite: nop, leave: nop,
		meeting: meetingActions{sendChat: func(string) (string, error) { return "id-1", nil }, raiseHand: func(r bool) { hand = append(hand, r) }}})
	routes := newRouter()
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, ev := range []app.Event{
		app.UserJoined{UserID: "ada", Name: "Ada", AlreadyThere: true},
		app.UserJoined{UserID: "bob", Name: "Bob"},
		app.UserJoined{UserID: "cy", Name: "Cy"},
		app.HandRaised{UserID: "cy", Raised: true, At: t0.Add(time.Second)},
		app.HandRaised{UserID: "bob", Raised: true, At: t0.Add(2 * time.Second)},
		app.HandRaised{Raised: true, At: t0.Add(3 * time.Second)},
	} {
		v.onEvent(ev, func(fn func()) { fn() }, routes)
	}
	if got, want := v.meet.people.order, []string{"cy", "bob", "", "ada"}; !slices.Equal(got, want) {
		t.Errorf("people %q, want %q", got, want)
	}
	if !v.meet.handUp || !v.self.Info().Hand || !v.tiles["cy"].Info().Hand || v.tiles["ada"].Info().Hand {
		t.Error("hands not shown on the tiles and the button")
	}
	test.Tap(v.meet.handBtn)
	if !slices.Equal(hand, []bool{false}) {
		t.Errorf("the hand button asked %v", hand)
	}
	v.onEvent(app.HandRaised{UserID: "cy", Raised: false}, nil, routes)
	if got := v.meet.people.order; got[0] != "bob" || got[3] != "cy" {
		t.Errorf("after Cy lowered the hand: %q", got)
	}

	v.pin("ada")
	if v.grid.Objects[0] != v.tiles["ada"] || v.meet.people.menuItems(v.meet.people.people["ada"])[1].Label != "Unpin" {
		t.Error("Ada is not on the stage")
	}
	v.onEvent(app.UserLeft{UserID: "ada"}, nil, routes)
	if v.pinned != "" || v.grid.Objects[0] != v.self {
		t.Error("a pin outlived its person")
	}

	v.onEvent(app.ChatReceived{ID: "m", From: "bob", Name: "Bob", Text: "line one\nline two", At: t0}, nil, routes)
	if v.meet.chat.unread != 1 || v.meet.chatBtn.Text != "1" || !strings.HasSuffix(v.meet.notice.Text, "\nBob: line one") {
		t.Errorf("unread %d, button %q, notice %q", v.meet.chat.unread, v.meet.chatBtn.Text, v.meet.notice.Text)
	}
	v.toggleChat()
	if v.meet.chat.unread != 0 || v.meet.chatBtn.Text != "" || len(v.meet.side.Objects) != 1 {
		t.Error("opening the chat left it unread or closed")
	}
	v.meet.chat.input.SetText("hello")
	v.meet.chat.submit()
	if v.meet.chat.input.Text != "" || len(v.meet.chat.lines) != 1 {
		t.Error("the field kept the text, or the line showed before the call took it")
	}
	v.onEvent(app.ChatQueued{ID: "id-1", Text: "hello", At: t0}, nil, routes)
	v.onEvent(app.ChatSent{ID: "id-1", Text: "hello", At: t0}, nil, routes)
	if l := v.meet.chat.lines[1]; !l.mine || strings.Contains(l.header.Text, "sending") {
		t.Errorf("our line %+v", l.header.Text)
	}
	v.togglePeople()
	if v.meet.chat.open || v.meet.side.Objects[0] != v.meet.people.root {
		t.Error("the people panel did not replace the chat")
	}
}

// Two notices that come together are both read: the second joins the
// first rather than replacing it, and each goes when its own time is up.
func TestNoticesThatComeTogetherAreBothShown(t *testing.T) {
	test.NewTempApp(t)
	nop := func() {}
	var timers []func()
	v := newCallView("Grace", func(fn func()) { fn() }, callActions{toggleMic: nop, toggleCam: nop, copyInvite: nop, leave: nop,
		meeting: meetingActions{later: func(d time.Duration, fn func()) {
			if d != noticeShown {
				t.Errorf("a notice shown for %v", d)
			}
			timers = append(timers, fn)
		}}})
	v.notify("Ada: hello")
	v.notify("Ada raised a hand")
	if n := v.meet.notice; !n.Visible() || n.Text != "Ada: hello\nAda raised a hand" {
		t.Fatalf("notice %q (shown %v)", n.Text, n.Visible())
	}
	timers[0]()
	if n := v.meet.notice; !n.Visible() || n.Text != "Ada raised a hand" {
		t.Errorf("after the first one's time: %q (shown %v)", n.Text, n.Visible())
	}
	for i := range maxNotices + 1 {
		v.notify(fmt.Sprint("line ", i))
	}
	if got := strings.Split(v.meet.notice.Text, "\n"); len(got) != maxNotices || got[0] != "line 1" {
		t.Errorf("a full stack shows %q", got)
	}
	for _, fn := range timers[1:] {
		fn()
	}
	if v.meet.notice.Visible() {
		t.Errorf("notice %q still shown after every one's time", v.meet.notice.Text)
	}
}
