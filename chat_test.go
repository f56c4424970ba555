package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/bot"
	"confer/internal/netlab"
	"confer/internal/testenv"
)

// liveBot is an in-process `confer bot` whose events the test reads.
type liveBot struct {
	events chan app.Event
	stop   context.CancelFunc
	done   chan *bot.Stats
}

func startBot(t *testing.T, cfg bot.Config) *liveBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &liveBot{events: make(chan app.Event, 4096), stop: cancel, done: make(chan *bot.Stats, 1)}
	cfg.Name, cfg.Log, cfg.Transport = strings.ToUpper(cfg.User), testenv.QuietLog(), livekit.Factory
	cfg.Observe = func(ev app.Event) {
		select {
		case b.events <- ev:
		default:
		}
	}
	go func() {
		st, err := bot.Run(ctx, cfg)
		if err != nil {
			t.Errorf("bot %s: %v", cfg.User, err)
		}
		b.done <- st
	}()
	t.Cleanup(func() { cancel(); <-b.done })
	return b
}

// await reads the bot's events until each of wants has matched one.
func (b *liveBot) await(t *testing.T, what string, wants ...func(app.Event) bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for len(wants) > 0 {
		select {
		case ev := <-b.events:
			wants = slices.DeleteFunc(wants, func(w func(app.Event) bool) bool { return w(ev) })
		case <-timeout:
			t.Fatalf("%s: not within 30 s", what)
		}
	}
}

// finish ends the bot's call and returns its stats.
func (b *liveBot) finish() *bot.Stats {
	b.stop()
	st := <-b.done
	b.done <- st // for the cleanup
	return st
}

func chatFrom(from, text string) func(app.Event) bool {
	return func(ev app.Event) bool {
		e, ok := ev.(app.ChatReceived)
		return ok && e.From == from && e.Text == text
	}
}

func handOf(user string, raised bool) func(app.Event) bool {
	return func(ev app.Event) bool {
		e, ok := ev.(app.HandRaised)
		return ok && e.UserID == user && e.Raised == raised
	}
}

// Two bots talk: a short message, one of 10 kB, emoji; one raises a hand,
// and the other's stats list the messages and the hand.
func TestBotsChatAndRaiseHands(t *testing.T) {
	livekit.SetLibraryLogger(testenv.QuietLog())
	_, url := startServe(t)
	long := strings.Repeat("0123456789", 1000)
	says := []string{"hello", long, "emoji 🎉👍🏽 ✋ — ça marche"}
	a := startBot(t, bot.Config{Server: url, Room: "chat", User: "a", Say: says, RaiseHand: true})
	b := startBot(t, bot.Config{Server: url, Room: "chat", User: "b", Say: []string{"hi back"}})
	b.await(t, "b hears a and sees a's hand", chatFrom("a", says[0]), chatFrom("a", says[1]), chatFrom("a", says[2]), handOf("a", true))
	a.await(t, "a hears b", chatFrom("b", "hi back"))

	bs := b.finish()
	var texts []string
	for _, c := range bs.Chat {
		if c.From == "a" {
			texts = append(texts, c.Text)
		}
	}
	if !slices.Equal(texts, says) {
		t.Errorf("b's stats list %d of a's messages, starting %.20q; want %d", len(texts), texts, len(says))
	}
	if ra := bs.Remotes["a"]; ra == nil || !ra.HandRaised {
		t.Errorf("b's stats of a: %+v; want hand_raised", ra)
	}
	if as := a.finish(); as.ChatSent != len(says) || as.ChatFailed != 0 || len(as.Chat) != 1 || as.Chat[0] != (bot.ChatRecord{From: "b", Text: "hi back"}) {
		t.Errorf("a's stats: sent %d, failed %d, received %+v", as.ChatSent, as.ChatFailed, as.Chat)
	}
}

// A bot across a link that goes down sends a message while its call is
// reconnecting: the message waits and arrives once the link is back.
func TestChatSentDuringAnOutageArrivesAfterIt(t *testing.T) {
	lab := netlab.ForTest(t, "chat")
	livekit.SetLibraryLogger(testenv.QuietLog())
	_, url := startServeIn(t, t.TempDir(), "--bind", lab.HostIP)
	near := startBot(t, bot.Config{Server: url, Room: "outage-chat", User: "near"})
	dir := t.TempDir()
	const text = "typed while the link was down ✂️"
	far := lab.Command(conferBin, "bot", "--server", url, "--room", "outage-chat", "--name", "far", "--user", "far",
		"--duration", "60s", "--video", "fake", "--audio", "fake", "--width", "320", "--height", "240", "--play=false",
		"--say-during-outage", text, "--stats", filepath.Join(dir, "far.json"))
	if err := far.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = far.Process.Kill(); _ = far.Wait() })
	near.await(t, "far's video", func(ev app.Event) bool {
		e, ok := ev.(app.RemoteVideo)
		return ok && e.UserID == "far" && e.Available
	})
	down := setLink(t, lab, false)
	// far notices the silence after 2.5 s and goes reconnecting; the
	// message it says then cannot leave before the link is back.
	time.Sleep(5 * time.Second)
	up := setLink(t, lab, true)
	near.await(t, "the message from far", chatFrom("far", text))
	t.Logf("the message arrived %v after the link came back (it was down %v)", time.Since(up).Round(time.Millisecond), up.Sub(down).Round(time.Millisecond))
	stopBot(t, far)
	fs := readStats(t, filepath.Join(dir, "far.json"))
	var ev []botEvent
	toEvents(fs.Events, &ev)
	if st := strings.Join(states(ev), " → "); fs.ChatSent != 1 || fs.ChatFailed != 0 || !strings.Contains(st, "reconnecting → connected") {
		t.Errorf("far: chat sent %d, failed %d, states %s", fs.ChatSent, fs.ChatFailed, st)
	}
}

// stopBot interrupts a bot, which leaves and writes its stats.
func stopBot(t *testing.T, c *exec.Cmd) {
	t.Helper()
	_ = c.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("the bot did not stop when interrupted")
	}
}
