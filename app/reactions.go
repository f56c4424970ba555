package app

import "time"

// Reactions are the emoji the window offers. Any short text received is
// shown: other clients may offer others.
var Reactions = []string{"👍", "❤️", "😂", "😮", "👏", "🎉"}

// Reaction limits: one sent every reactionGap, one shown per sender every
// reactionGapIn; longer texts are not reactions.
const (
	reactionGap      = 300 * time.Millisecond
	reactionGapIn    = 200 * time.Millisecond
	maxReactionBytes = 32
)

// reactions is the loop's rate limiter for reactions sent and received.
type reactions struct {
	lastOut time.Time
	lastIn  map[string]time.Time
}

// react sends a reaction, while connected, unless one went out within
// reactionGap (a held key sends a few, not hundreds). The sender's own
// tile shows it as others will.
func (l *loop) react(emoji string) {
	now := l.c.clock.Now()
	if l.link.state != Connected || !validReaction(emoji) || now.Sub(l.reacts.lastOut) < reactionGap {
		return
	}
	l.reacts.lastOut = now
	l.emit(ReactionReceived{Emoji: emoji})
	t, log := l.c.t, l.c.log
	l.c.work.queue(func() {
		if err := t.SendReaction(emoji); err != nil {
			log.Info("reaction not sent", "err", err)
		}
	})
}

// reactionArrived shows a remote reaction, at most one per sender every
// reactionGapIn, from people the call has reported.
func (l *loop) reactionArrived(s ReactionArrived) {
	now := l.c.clock.Now()
	_, known := l.roster.reported[s.UserID]
	if l.link.state != Connected || !known || !validReaction(s.Emoji) || now.Sub(l.reacts.lastIn[s.UserID]) < reactionGapIn {
		return
	}
	if l.reacts.lastIn == nil {
		l.reacts.lastIn = map[string]time.Time{}
	}
	l.reacts.lastIn[s.UserID] = now
	l.emit(ReactionReceived(s))
}

func validReaction(s string) bool { return s != "" && len(s) <= maxReactionBytes }
