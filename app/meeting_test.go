package app

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// only keeps the events of the given types.
func only(kinds ...func(Event) bool) func(Event) bool {
	return func(ev Event) bool {
		for _, k := range kinds {
			if k(ev) {
				return false
			}
		}
		return true
	}
}

func isChat(ev Event) bool {
	switch ev.(type) {
	case ChatSent, ChatFailed, ChatReceived:
		return true
	}
	return false
}

// chatEvents reads the call's events until n chat events have come, then
// those up to now: the transport has been called when waitCall returns,
// but the loop reports the send only once the call has returned.
func chatEvents(t *testing.T, c *Call, n int) []Event {
	t.Helper()
	var got []Event
	for len(got) < n {
		select {
		case ev := <-c.Events():
			if isChat(ev) {
				got = append(got, ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d chat events of %d came: %#v", len(got), n, got)
		}
	}
	return append(got, upToNow(t, c, only(isChat))...)
}

func isHand(ev Event) bool { _, ok := ev.(HandRaised); return ok }

func TestChatIsSentInOrderAndReported(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	upToNow(t, c, nil)
	a, err := c.SendChat("hello")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.SendChat("wie geht's? 🎉")
	tr.waitCall(t, "chat hello")
	tr.waitCall(t, "chat wie geht's? 🎉")
	got := chatEvents(t, c, 2)
	if len(got) != 2 || got[0].(ChatSent).ID != a || got[1].(ChatSent).ID != b || got[1].(ChatSent).Text != "wie geht's? 🎉" {
		t.Fatalf("events %#v", got)
	}
}

func TestChatTooLongOrEmptyIsRefusedAtOnce(t *testing.T) {
	c := joined(t, newFake())
	if _, err := c.SendChat(strings.Repeat("é", MaxChatLength+1)); !errors.Is(err, ErrChatTooLong) || !strings.Contains(err.Error(), "20001 characters") {
		t.Errorf("too long: %v", err)
	}
	if _, err := c.SendChat(" \n"); !errors.Is(err, ErrChatEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := c.SendChat(strings.Repeat("é", MaxChatLength)); err != nil {
		t.Errorf("the longest message refused: %v", err)
	}
}

// A message typed while the call reconnects waits in the outbox and goes
// out once the link is back, before anything typed after it.
func TestChatDuringAnOutageGoesOutAfterIt(t *testing.T) {
	tr := newFake()
	c := joined(t, tr)
	tr.postNow(LinkSample{SDKReconnecting: true})
	upToNow(t, c, nil)
	id, err := c.SendChat("while down")
	if err != nil {
		t.Fatal(err)
	}
	isQueued := func(ev Event) bool { _, ok := ev.(ChatQueued); return ok }
	if got := upToNow(t, c, only(isChat, isQueued)); len(got) != 1 || got[0].(ChatQueued).ID != id {
		t.Fatalf("reported while reconnecting: %#v", got)
	}
	for len(tr.calls) > 0 {
		if call := <-tr.calls; call != "probe" {
			t.Fatalf("transport called while reconnecting: %s", call)
		}
	}
	tr.postNow(LinkSample{LastMedia: time.Now(), ExpectsMedia: true})
	if _, err := c.SendChat("after"); err != nil {
		t.Fatal(err)
	}
	tr.waitCall(t, "chat while down")
	tr.waitCall(t, "chat after")
	if got := chatEvents(t, c, 2); len(got) != 2 || got[0].(ChatSent).Text != "while down" {
		t.Fatalf("events %#v", got)
	}
}

func TestChatFailsOnlyAfterRetriesOrWhenTheCallEnds(t *testing.T) {
	tr := newFake()
	tr.chatErr = errors.New("data channel closed")
	clock := newFakeClock()
	c := joined(t, tr, WithClock(clock))
	id, _ := c.SendChat("doomed")
	tr.waitCall(t, "chat doomed")
	for range maxChatTries - 1 {
		// The next tick tries again, once the loop has the failure: ticks
		// until the transport is called.
		tr.tickUntilCall(t, clock, "chat doomed")
	}
	// The first chat event is the failure, after the last try; no other.
	var first Event
	waitEvent(t, c, func(ev Event) bool { first = ev; return isChat(ev) })
	if f, ok := first.(ChatFailed); !ok || f.ID != id {
		t.Fatalf("first chat event %#v", first)
	}
	if got := upToNow(t, c, only(isChat)); len(got) != 0 {
		t.Fatalf("more chat events %#v", got)
	}

	tr.chatErr = nil
	tr.postNow(LinkSample{SDKReconnecting: true})
	upToNow(t, c, nil)
	left, _ := c.SendChat("never sent")
	c.Leave()
	got := upToNow(t, c, only(isChat))
	if len(got) != 1 || got[0] != (ChatFailed{ID: left, Err: ErrChatNotDelivered}) {
		t.Fatalf("after leaving: %#v", got)
	}
	if _, err := c.SendChat("not in a call"); err != nil {
		t.Fatal(err)
	}
	if got := upToNow(t, c, only(isChat)); len(got) != 1 || !errors.Is(got[0].(ChatFailed).Err, ErrNotJoined) {
		t.Fatalf("outside a call: %#v", got)
	}
}

func TestChatReceivedOnceWithTheSendersName(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana()}}}
	clock := newFakeClock()
	c := joined(t, tr, WithClock(clock))
	upToNow(t, c, nil)
	at := time.UnixMilli(1_700_000_000_000)
	msg := ChatArrived{ID: "m1", From: "ana", Text: "hi", At: at}
	tr.postNow(msg)
	tr.postNow(msg) // the same message again (another format of it)
	// A message before the roster that lists its sender: the transport's
	// name for them; the roster's name wins once there is one.
	tr.postNow(ChatArrived{ID: "m2", From: "cleo", Name: "Cleo", Text: "early", At: at})
	tr.postNow(ChatArrived{ID: "m3", From: "ana", Name: "Ana (old)", Text: "again", At: at})
	same(t, upToNow(t, c, only(isChat)), []Event{
		ChatReceived{ID: "m1", From: "ana", Name: "Ana", Text: "hi", At: at},
		ChatReceived{ID: "m2", From: "cleo", Name: "Cleo", Text: "early", At: at},
		ChatReceived{ID: "m3", From: "ana", Name: "Ana", Text: "again", At: at},
	})

	// Nothing names the sender yet (the data outran the signalling): the
	// message waits, and what comes after it too, until the roster does.
	tr.postNow(ChatArrived{ID: "m1", From: "bob", Text: "not the same", At: at})
	tr.postNow(ChatArrived{ID: "m4", From: "ana", Text: "after Bob", At: at})
	same(t, upToNow(t, c, only(isChat)), nil)
	tr.postNow(RosterChanged{Participants: []Participant{ana(), {UserID: "bob", Name: "Bob"}}})
	same(t, upToNow(t, c, only(isChat)), []Event{
		ChatReceived{ID: "m1", From: "bob", Name: "Bob", Text: "not the same", At: at},
		ChatReceived{ID: "m4", From: "ana", Name: "Ana", Text: "after Bob", At: at},
	})

	// Someone never named: the user ID after chatNameWait.
	tr.postNow(ChatArrived{ID: "m5", From: "dan", Text: "who am I", At: at})
	same(t, upToNow(t, c, only(isChat)), nil)
	clock.Advance(chatNameWait)
	same(t, chatEvents(t, c, 1), []Event{ChatReceived{ID: "m5", From: "dan", Name: "dan", Text: "who am I", At: at}})
}

func TestHandsRaisedAndLowered(t *testing.T) {
	tr := newFake()
	raisedAt := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	anaHand := ana()
	anaHand.Attributes = map[string]string{HandAttribute: "2025-03-01T09:30:00.000Z"}
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{anaHand}}}
	clock := newFakeClock()
	c := joined(t, tr, WithClock(clock))
	same(t, upToNow(t, c, only(isHand)), []Event{HandRaised{UserID: "ana", Raised: true, At: raisedAt}})
	tr.postNow(RosterChanged{Participants: []Participant{ana()}})
	same(t, upToNow(t, c, only(isHand)), []Event{HandRaised{UserID: "ana", Raised: false}})

	c.RaiseHand(true)
	value := handValue(clock.Now())
	tr.waitCall(t, "attributes handRaisedAt=\""+value+"\"")
	same(t, upToNow(t, c, only(isHand)), []Event{HandRaised{Raised: true, At: clock.Now()}})
	if !c.Snapshot().HandRaised {
		t.Error("the snapshot says the hand is down")
	}
	// The server shows it back, then the host lowers it.
	tr.postNow(LocalAttributes{Attributes: map[string]string{HandAttribute: value}})
	tr.postNow(LocalAttributes{Attributes: map[string]string{}})
	same(t, upToNow(t, c, only(isHand)), []Event{HandRaised{Raised: false}})

	// After a reconnect the hand is set again (a full reconnect starts a
	// participant with no attributes).
	c.RaiseHand(true)
	tr.waitCall(t, "attributes handRaisedAt=\""+value+"\"")
	tr.postNow(LinkSample{SDKReconnecting: true})
	tr.postNow(LocalAttributes{Attributes: map[string]string{}}) // no news while reconnecting
	tr.postNow(LinkSample{LastMedia: clock.Now(), ExpectsMedia: true})
	tr.waitCall(t, "attributes handRaisedAt=\""+value+"\"", "probe")
	c.RaiseHand(false)
	tr.waitCall(t, "attributes handRaisedAt=\"\"", "probe")
	same(t, upToNow(t, c, only(isHand)), []Event{HandRaised{Raised: true, At: clock.Now()}, HandRaised{Raised: false}})
}

func TestReactionsAreRateLimited(t *testing.T) {
	tr := newFake()
	tr.onConnect = []Signal{RosterChanged{Participants: []Participant{ana()}}}
	clock := newFakeClock()
	c := joined(t, tr, WithClock(clock))
	isReaction := func(ev Event) bool { _, ok := ev.(ReactionReceived); return ok }
	upToNow(t, c, nil)
	for range 5 {
		c.React("👍")
	}
	tr.postNow(ReactionArrived{UserID: "ana", Emoji: "🎉"})
	tr.postNow(ReactionArrived{UserID: "ana", Emoji: "🎉"})
	tr.postNow(ReactionArrived{UserID: "stranger", Emoji: "🎉"})
	tr.postNow(ReactionArrived{UserID: "ana", Emoji: strings.Repeat("x", 100)})
	tr.waitCall(t, "react 👍")
	same(t, upToNow(t, c, only(isReaction)), []Event{
		ReactionReceived{Emoji: "👍"},
		ReactionReceived{UserID: "ana", Emoji: "🎉"},
	})
	clock.Advance(reactionGap)
	c.React("❤️")
	tr.postNow(ReactionArrived{UserID: "ana", Emoji: "🎉"})
	tr.waitCall(t, "react ❤️", "react 👍")
	same(t, upToNow(t, c, only(isReaction)), []Event{
		ReactionReceived{Emoji: "❤️"},
		ReactionReceived{UserID: "ana", Emoji: "🎉"},
	})
}

func TestTheHostMutesTheMicrophone(t *testing.T) {
	tr := newFake()
	c := New(tr)
	t.Cleanup(c.Close)
	p := params
	p.Microphone = true
	if err := c.Join(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	tr.waitCall(t, "microphone on ", "connect")
	// The worker reports the microphone on after the call above returns.
	waitEvent(t, c, func(ev Event) bool { return ev == LocalSourceChanged{Source: SourceMicrophone, Wanted: true, On: true} })
	upToNow(t, c, nil)
	tr.postNow(SourceMutedRemotely{Source: SourceMicrophone})
	tr.waitCall(t, "microphone off ")
	// The transport's call returns before the loop hears it is done: wait
	// for the event that says so.
	var got []Event
	waitEvent(t, c, func(ev Event) bool {
		got = append(got, ev)
		return ev == LocalSourceChanged{Source: SourceMicrophone}
	})
	same(t, got, []Event{
		LocalSourceChanged{Source: SourceMicrophone, Wanted: false, On: true},
		MutedByHost{Source: SourceMicrophone},
		LocalSourceChanged{Source: SourceMicrophone},
	})
}
