package app

import "time"

// Speaking thresholds on the RMS level (0–1 of full scale). A person starts
// speaking above speakOn and stops after staying below speakOff for
// speakHold, so the highlight does not flicker between words.
const (
	speakOn   = 0.03  // about −30 dBFS
	speakOff  = 0.015 // about −36 dBFS
	speakHold = 600 * time.Millisecond
)

// speakingState tracks one person's speaking flag with hysteresis.
type speakingState struct {
	on        bool
	quietFrom time.Time // when the level last went below speakOff while on
}

// update feeds a level measured at t and returns the flag.
func (s *speakingState) update(level float64, t time.Time) bool {
	switch {
	case level >= speakOn:
		s.on, s.quietFrom = true, time.Time{}
	case s.on && level < speakOff:
		if s.quietFrom.IsZero() {
			s.quietFrom = t
		} else if t.Sub(s.quietFrom) >= speakHold {
			s.on, s.quietFrom = false, time.Time{}
		}
	case s.on:
		s.quietFrom = time.Time{} // between the thresholds: still speaking
	}
	return s.on
}

// speakers keeps the speaking state of everyone in the call.
type speakers struct {
	local  speakingState
	remote map[string]*speakingState
}

// apply turns measured levels into an AudioLevels event with speaking flags.
func (sp *speakers) apply(m LevelsMeasured) AudioLevels {
	if sp.remote == nil {
		sp.remote = map[string]*speakingState{}
	}
	ev := AudioLevels{Local: m.Levels.Local, Remote: m.Levels.Remote, Speaking: map[string]bool{}}
	ev.LocalSpeaking = sp.local.update(m.Levels.Local, m.At)
	for user, level := range m.Levels.Remote {
		st := sp.remote[user]
		if st == nil {
			st = &speakingState{}
			sp.remote[user] = st
		}
		ev.Speaking[user] = st.update(level, m.At)
	}
	for user := range sp.remote {
		if _, ok := m.Levels.Remote[user]; !ok {
			delete(sp.remote, user) // left, or stopped sending audio
		}
	}
	return ev
}
