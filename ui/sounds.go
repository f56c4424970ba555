package ui

import (
	"time"

	"confer/app"
	"confer/media"
	"confer/media/audio"
	"confer/media/synth"
)

// Sounds that tell someone looking at another window what happened in the
// call. They are synthesized here rather than shipped as files: a few
// notes each, 180 ms at most, which fits a mixer input's buffer whole.
// They play through the call's mixer, so they come out of the speaker the
// person chose, and the echo canceller knows them.
type sound int

const (
	soundJoin  sound = iota // rising
	soundLeave              // falling
	soundHand               // two high notes
)

var sounds = [...][]int16{
	soundJoin:  synth.Chime(media.SampleRate, 90*time.Millisecond, 0.25, 660, 880),
	soundLeave: synth.Chime(media.SampleRate, 90*time.Millisecond, 0.25, 880, 587),
	soundHand:  synth.Chime(media.SampleRate, 80*time.Millisecond, 0.25, 1047, 1047),
}

// soundFor is the sound of an event, if it has one: someone joining
// (not those already there when we joined), leaving, raising a hand.
func soundFor(ev app.Event) (sound, bool) {
	switch e := ev.(type) {
	case app.UserJoined:
		return soundJoin, !e.AlreadyThere
	case app.UserLeft:
		return soundLeave, true
	case app.HandRaised:
		return soundHand, e.Raised && e.UserID != ""
	}
	return 0, false
}

// chimes plays sounds on one input of a call's mixer. UI goroutine only:
// it is the input's one writer.
type chimes struct {
	mixer *audio.Mixer
	in    *audio.Input
}

// play starts a sound, unless one is still playing (they would pile up
// when many people join at once).
func (c *chimes) play(s sound) {
	if c.in == nil {
		c.in = c.mixer.NewInput()
	}
	if c.in.Buffered() > 0 {
		return
	}
	c.in.WritePCM(sounds[s])
}
