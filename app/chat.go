package app

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ChatMessage is one message this participant sends.
type ChatMessage struct {
	ID   string // unique; the text stream's ID on the wire
	Text string
	At   time.Time
}

// MaxChatLength is the longest message one may send, in characters: a
// long paste fits (LiveKit's streams carry it in 15 kB chunks), a file
// does not.
const MaxChatLength = 20_000

// MaxChatReceived is how much of a received message is kept: other
// clients may send more than Confer does.
const MaxChatReceived = 4 * MaxChatLength

// maxChatTries is how many times a message is handed to the transport,
// while connected, before it is reported failed.
const maxChatTries = 3

// Chat errors, written for people.
var (
	ErrChatEmpty        = errors.New("the message is empty")
	ErrChatTooLong      = errors.New("the message is too long")
	ErrChatNotDelivered = errors.New("the call ended before the message could be sent")
)

// CheckChat tells whether text can be sent, and why not.
func CheckChat(text string) error {
	if strings.TrimSpace(text) == "" {
		return ErrChatEmpty
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("%w: it is not valid text", ErrChatEmpty)
	}
	if n := utf8.RuneCountInString(text); n > MaxChatLength {
		return fmt.Errorf("%w: %d characters, and a message can have at most %d", ErrChatTooLong, n, MaxChatLength)
	}
	return nil
}

// NewMessageID is a random UUID (version 4), the form LiveKit's clients
// give their messages and streams.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// clipChat cuts a received text to MaxChatReceived characters.
func clipChat(text string) string {
	if len(text) <= MaxChatReceived {
		return text // fewer bytes than the limit: fewer characters too
	}
	n := 0
	for i := range text {
		if n == MaxChatReceived {
			return text[:i] + "…"
		}
		n++
	}
	return text
}

// outbox holds the messages this participant sent, oldest first, until
// the transport has handed each to the server. The loop sends the head
// only while connected, one at a time, so a message typed during an
// outage goes out after it, in order, and none is dropped without a
// ChatFailed.
type outbox struct {
	queue []chatOut
	busy  bool      // the head is with the transport worker
	last  time.Time // the latest message's time
}

type chatOut struct {
	msg   ChatMessage
	tries int
}

// chatDone is the worker's answer for the head of the outbox.
type chatDone struct {
	gen int
	err error
}

// sendChat queues a message; outside a call it fails at once.
func (l *loop) sendChat(msg ChatMessage) {
	if l.link.state != Joining && !l.link.state.InCall() {
		l.emit(ChatFailed{ID: msg.ID, Err: ErrNotJoined})
		return
	}
	// Receivers order a sender's messages by time: two in the same
	// millisecond get a millisecond apart.
	if !msg.At.After(l.chat.last.Add(time.Millisecond - 1)) {
		msg.At = l.chat.last.Add(time.Millisecond)
	}
	l.chat.last = msg.At
	l.chat.queue = append(l.chat.queue, chatOut{msg: msg})
	l.emit(ChatQueued(msg))
	l.flushChat()
}

// flushChat hands the head of the outbox to the worker, if the link
// carries it now.
func (l *loop) flushChat() {
	if l.chat.busy || len(l.chat.queue) == 0 || l.link.state != Connected {
		return
	}
	l.chat.busy = true
	msg := l.chat.queue[0].msg
	gen, inbox, t := l.gen, l.c.inbox, l.c.t
	l.c.work.queue(func() {
		inbox.put(chatDone{gen: gen, err: t.SendChat(msg)})
	})
}

// chatDone reports the head sent, or keeps it for another try: the next
// tick, or the link's return.
func (l *loop) chatDone(m chatDone) {
	if m.gen != l.gen || !l.chat.busy {
		return // that session ended, and failed its messages
	}
	l.chat.busy = false
	head := &l.chat.queue[0]
	head.tries++
	switch {
	case m.err == nil:
		l.popChat()
		l.emit(ChatSent{ID: head.msg.ID, Text: head.msg.Text, At: head.msg.At})
	case head.tries >= maxChatTries:
		l.c.log.Warn("chat message not sent", "err", m.err)
		l.popChat()
		l.emit(ChatFailed{ID: head.msg.ID, Err: m.err})
	default:
		l.c.log.Info("chat message not sent; will try again", "err", m.err)
		return
	}
	l.flushChat()
}

func (l *loop) popChat() {
	l.chat.queue = l.chat.queue[1:]
}

// failChat reports every waiting message failed: the session ended.
func (l *loop) failChat() {
	for _, m := range l.chat.queue {
		l.emit(ChatFailed{ID: m.msg.ID, Err: ErrChatNotDelivered})
	}
	l.chat = outbox{last: l.chat.last}
}

// chatArrived reports a received message once, however many ways it came.
func (l *loop) chatArrived(s ChatArrived) {
	if s.ID != "" {
		key := s.From + "\x00" + s.ID
		if _, dup := l.chatSeen[key]; dup {
			return
		}
		if len(l.chatSeen) >= 10_000 {
			clear(l.chatSeen) // a bound; duplicates come within seconds
		}
		l.chatSeen[key] = struct{}{}
	}
	// Before the roster lists its sender, the transport's name for them.
	msg := ChatReceived{ID: s.ID, From: s.From, Name: l.nameOf(s.From, s.Name), Text: clipChat(s.Text), At: s.At}
	l.unnamed = append(l.unnamed, heldChat{msg: msg, since: l.c.clock.Now()})
	l.showHeldChat(false)
}

// A message can come before anything has named its sender: the data
// channel outran the signalling that announces them, to the SDK too. It
// waits, behind it what came later, until the roster names the sender or
// for chatNameWait at most, and then shows under the user ID (which reads
// as a stranger's message, so only as a last resort).
const chatNameWait = time.Second

type heldChat struct {
	msg   ChatReceived
	since time.Time
}

// showHeldChat reports the messages waiting, in order, as far as their
// senders are named or their wait is over (all of them when all is set).
func (l *loop) showHeldChat(all bool) {
	now := l.c.clock.Now()
	n := 0
	for _, h := range l.unnamed {
		if h.msg.Name == "" {
			h.msg.Name = l.nameOf(h.msg.From, "")
		}
		if h.msg.Name == "" && !all && now.Sub(h.since) < chatNameWait {
			break
		}
		h.msg.Name = cmp.Or(h.msg.Name, h.msg.From)
		l.emit(h.msg)
		n++
	}
	l.unnamed = l.unnamed[n:]
	if len(l.unnamed) == 0 {
		l.unnamed = nil
	}
}

// nameOf is a user's display name as the call knows it, or else fallback.
func (l *loop) nameOf(user, fallback string) string {
	if p, ok := l.roster.reported[user]; ok && p.Name != "" {
		return p.Name
	}
	for _, p := range l.latest {
		if p.UserID == user && p.Name != "" {
			return p.Name
		}
	}
	return fallback
}
