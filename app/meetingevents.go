package app

import "time"

// Events and signals of the meeting around the video: chat, raised hands,
// reactions, and the host's actions on this participant.

// ChatReceived reports a chat message from a remote user. ID is the
// sender's (LiveKit's stream or message ID); Name is the sender's display
// name as the call knows it. Text is as sent, cut at MaxChatReceived
// characters.
type ChatReceived struct {
	ID, From, Name, Text string
	At                   time.Time // when the sender sent it, by their clock
}

// ChatQueued reports a message of SendChat taken in: it goes out now, or
// once the link is back (the window shows it as sending). ChatSent or
// ChatFailed follows.
type ChatQueued struct {
	ID, Text string
	At       time.Time
}

// ChatSent reports that a message of SendChat left for the others (the
// transport handed it to the server); its ID is SendChat's.
type ChatSent struct {
	ID, Text string
	At       time.Time
}

// ChatFailed reports that a message of SendChat was not sent: the call
// ended first (ErrChatNotDelivered), or the transport failed it again
// and again. It is the message's last event.
type ChatFailed struct {
	ID  string
	Err error
}

// HandRaised reports a hand raised or lowered; UserID "" is this
// participant's (lowered by the host, or by its own RaiseHand). At is when
// it went up, which orders a queue of raised hands.
type HandRaised struct {
	UserID string
	Raised bool
	At     time.Time
}

// ReactionReceived reports an emoji reaction to show over the sender's
// tile; UserID "" is this participant's own, once sent.
type ReactionReceived struct {
	UserID string
	Emoji  string
}

// MutedByHost reports that the host muted this participant's source (the
// microphone); LocalSourceChanged shows it off as well.
type MutedByHost struct {
	Source Source
}

func (ChatReceived) isEvent()     {}
func (ChatQueued) isEvent()       {}
func (ChatSent) isEvent()         {}
func (ChatFailed) isEvent()       {}
func (HandRaised) isEvent()       {}
func (ReactionReceived) isEvent() {}
func (MutedByHost) isEvent()      {}

// ChatArrived is a chat message the transport received, from any of the
// ways other clients send one.
type ChatArrived struct {
	ID, From, Text string
	// Name is the sender's name as the transport knew it when the message
	// came: a message can come before the roster that lists its sender.
	Name string
	At   time.Time
}

// ReactionArrived is a reaction the transport received.
type ReactionArrived struct {
	UserID, Emoji string
}

// LocalAttributes carries this participant's attributes as the server
// last said them (the host may change them).
type LocalAttributes struct {
	Attributes map[string]string
}

// SourceMutedRemotely reports that the server muted a local source (the
// host's "mute their microphone").
type SourceMutedRemotely struct {
	Source Source
}

func (ChatArrived) isSignal()         {}
func (ReactionArrived) isSignal()     {}
func (LocalAttributes) isSignal()     {}
func (SourceMutedRemotely) isSignal() {}
