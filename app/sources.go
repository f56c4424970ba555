package app

// localSource is what the person asked of one local source and what it is.
// The loop owns it. At most one job per source is with the worker at a
// time (busy); when it comes back, the source is reconciled again, so a
// burst of toggles ends where the last one asked, without repeats.
type localSource struct {
	wanted bool
	on     bool
	busy   bool
	device string // screen (or device) asked for; "" for the configured one
}

// sources are the local sources, indexed by Source.
type sources [SourceCount]localSource

func (ss *sources) event(src Source) LocalSourceChanged {
	s := ss[src]
	return LocalSourceChanged{Source: src, Wanted: s.wanted, On: s.on}
}

// ask records a request; it reports whether what is wanted changed.
func (ss *sources) ask(cmd cmdSource) bool {
	s := &ss[cmd.src]
	want := cmd.on
	if cmd.toggle {
		want = !s.wanted
	}
	if cmd.device != "" {
		s.device = cmd.device
	}
	changed := s.wanted != want
	s.wanted = want
	return changed
}

// due returns the job a source needs now, if any, and marks it busy.
func (ss *sources) due(src Source) (on bool, device string, ok bool) {
	s := &ss[src]
	if s.busy || s.wanted == s.on {
		return false, "", false
	}
	s.busy = true
	return s.wanted, s.device, true
}

// done records a finished job. A source that failed to start is off and no
// longer wanted: retrying a missing device in a loop helps nobody.
func (ss *sources) done(src Source, on bool, err error) {
	s := &ss[src]
	s.busy = false
	if err != nil && on {
		s.on, s.wanted = false, false
		return
	}
	s.on = on
}

// ended records a source that stopped by itself.
func (ss *sources) ended(src Source) {
	s := &ss[src]
	s.on, s.wanted = false, false
}

// leave forgets what is on (the session is gone) and stops any screen
// share from coming back on the next join; camera and microphone keep what
// was wanted, unless the next join says otherwise.
// rejoin forgets what is on, and what the worker was doing, for a new
// session of the same call: everything wanted is turned on again there.
func (ss *sources) rejoin() {
	for i := range ss {
		ss[i].on, ss[i].busy = false, false
	}
}

func (ss *sources) leave() {
	ss.rejoin()
	ss[SourceScreen].wanted = false
}
