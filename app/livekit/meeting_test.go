package livekit_test

import (
	"context"
	"testing"

	"confer/app"
	"confer/app/livekit"
	"confer/internal/testenv"
	"confer/media/capture"
)

// longText is n characters in several scripts and emoji, so the chunks
// of a text stream are cut next to multi-byte characters.
func longText(n int) string {
	pattern := []rune("Grüße, 世界! Ünïcödé 🎉👍🏽 mixed with ASCII. ")
	out := make([]rune, n)
	for i := range out {
		out[i] = pattern[i%len(pattern)]
	}
	return string(out)
}

func chatFrom(user, text string) func(app.Event) bool {
	return func(ev app.Event) bool {
		e, ok := ev.(app.ChatReceived)
		return ok && e.From == user && e.Text == text
	}
}

func isChatSent(text string) func(app.Event) bool {
	return func(ev app.Event) bool { e, ok := ev.(app.ChatSent); return ok && e.Text == text }
}

// Chat crosses the server as text streams, whole and in order: short,
// long enough for several chunks, in any script.
func TestChatBetweenTwoParticipants(t *testing.T) {
	srv := testenv.StartServer(t)
	ana, bo := quietParticipant("ana"), quietParticipant("bo")
	ana.join(t, srv.URL(), "chat", "ana")
	bo.join(t, srv.URL(), "chat", "bo")
	ana.waitEvent(t, "bo joined", func(ev app.Event) bool { e, ok := ev.(app.UserJoined); return ok && e.UserID == "bo" })
	for _, text := range []string{"hello 👋", longText(app.MaxChatLength), "ça va? 😀🇫🇷"} {
		if _, err := ana.call.SendChat(text); err != nil {
			t.Fatal(err)
		}
		ev := bo.waitEvent(t, "the message", chatFrom("ana", text)).(app.ChatReceived)
		if ev.Name != "ana" || ev.ID == "" || ev.At.IsZero() {
			t.Errorf("received %+v", ev)
		}
		ana.waitEvent(t, "sent", isChatSent(text))
	}
	ana.call.Close()
	bo.call.Close()
}

// In an encrypted call chat is encrypted too: the same passphrase reads
// it, another does not, whatever else gets through.
func TestChatIsEndToEndEncrypted(t *testing.T) {
	srv := testenv.StartServer(t)
	peers := map[string]*participant{}
	for user, pass := range map[string]string{"ana": "pass one", "bo": "pass one", "cy": "pass two", "plain": ""} {
		peers[user] = startParticipant(user, app.TransportConfig{E2EE: app.NewE2EE(pass)})
		peers[user].join(t, srv.URL(), "e2ee-chat", user)
		defer peers[user].call.Close()
	}
	for _, user := range []string{"bo", "cy"} {
		peers[user].waitJoined(t, "ana", "plain")
	}
	if _, err := peers["ana"].call.SendChat("for pass one only"); err != nil {
		t.Fatal(err)
	}
	peers["bo"].waitEvent(t, "ana's message", chatFrom("ana", "for pass one only"))
	// Plain text from someone without a passphrase still reaches cy; had
	// ana's message reached cy, it would have come before.
	if _, err := peers["plain"].call.SendChat("in the clear"); err != nil {
		t.Fatal(err)
	}
	peers["cy"].waitEvent(t, "the plain message", func(ev app.Event) bool {
		e, ok := ev.(app.ChatReceived)
		if ok && e.From == "ana" {
			t.Fatalf("cy read ana's message with another passphrase: %q", e.Text)
		}
		return ok && e.From == "plain"
	})
}

// A hand goes up on one side and shows on the other; the host lowers it
// for both. The host mutes a microphone; its owner sees it off.
func TestHandsAndTheHost(t *testing.T) {
	srv := testenv.StartServer(t)
	devices := capture.AddFakePair("hand-ana")
	ana := startParticipant("ana", app.TransportConfig{CameraID: devices.CameraID, MicrophoneID: devices.MicrophoneID})
	bo := quietParticipant("bo")
	testenv.Labelled(ana.owner, func() {
		err := ana.call.Join(context.Background(), app.JoinParams{ServerURL: srv.URL(), RoomID: "hands", UserID: "ana", Name: "Ana", Microphone: true})
		if err != nil {
			t.Fatal(err)
		}
	})
	bo.join(t, srv.URL(), "hands", "bo")
	bo.waitEvent(t, "ana's microphone", func(ev app.Event) bool { e, ok := ev.(app.RemoteAudio); return ok && e.UserID == "ana" && e.Available })

	ana.call.RaiseHand(true)
	up := ana.waitEvent(t, "my hand up", func(ev app.Event) bool { e, ok := ev.(app.HandRaised); return ok && e.UserID == "" && e.Raised }).(app.HandRaised)
	seen := bo.waitEvent(t, "ana's hand up", func(ev app.Event) bool { e, ok := ev.(app.HandRaised); return ok && e.UserID == "ana" }).(app.HandRaised)
	if !seen.Raised || !seen.At.Equal(up.At.Truncate(1e6)) {
		t.Errorf("bo saw %+v; ana raised it at %v", seen, up.At)
	}
	ana.call.React("🎉")
	bo.waitEvent(t, "ana's reaction", func(ev app.Event) bool {
		e, ok := ev.(app.ReactionReceived)
		return ok && e == app.ReactionReceived{UserID: "ana", Emoji: "🎉"}
	})

	admin, err := livekit.NewAdmin(srv.URL(), testenv.Keys.APIKey, testenv.Keys.APISecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.LowerHand(context.Background(), "hands", "ana"); err != nil {
		t.Fatal(err)
	}
	ana.waitEvent(t, "my hand lowered by the host", func(ev app.Event) bool { e, ok := ev.(app.HandRaised); return ok && e.UserID == "" && !e.Raised })
	bo.waitEvent(t, "ana's hand down", func(ev app.Event) bool { e, ok := ev.(app.HandRaised); return ok && e.UserID == "ana" && !e.Raised })

	if err := admin.MuteMicrophone(context.Background(), "hands", "ana"); err != nil {
		t.Fatal(err)
	}
	ana.waitEvent(t, "muted by the host", func(ev app.Event) bool { _, ok := ev.(app.MutedByHost); return ok })
	ana.waitEvent(t, "my microphone off", func(ev app.Event) bool {
		e, ok := ev.(app.LocalSourceChanged)
		return ok && e == app.LocalSourceChanged{Source: app.SourceMicrophone}
	})
	bo.waitEvent(t, "ana's microphone muted", func(ev app.Event) bool { e, ok := ev.(app.RemoteAudio); return ok && e.UserID == "ana" && !e.Available })
	ana.call.Close()
	bo.call.Close()
}
