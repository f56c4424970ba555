package bot

import "confer/app"

// ChatRecord is one chat message the bot received, as its stats list it.
type ChatRecord struct {
	From string `json:"from"`
	Text string `json:"text"`
}

// meeting keeps what the call reported of chat and hands, and says what
// the bot was told to (the goroutine reading the call's events only).
type meeting struct {
	call   *app.Call
	first  []string // sent once someone else is in the call
	outage []string // sent the first time the call reconnects
	hands  map[string]bool
}

// start raises the bot's hand, once joined: a hand stays up for those
// who come later, a message is heard only by those already there.
func (m *meeting) start(cfg Config) {
	m.first, m.outage = cfg.Say, cfg.SayDuringOutage
	m.hands = map[string]bool{}
	if cfg.RaiseHand {
		m.call.RaiseHand(true)
	}
}

func (m *meeting) say(texts []string, st *Stats) {
	for _, text := range texts {
		if _, err := m.call.SendChat(text); err != nil {
			st.ChatFailed++
		}
	}
}

// note records one event of the call.
func (m *meeting) note(ev app.Event, st *Stats) {
	switch e := ev.(type) {
	case app.ChatReceived:
		st.Chat = append(st.Chat, ChatRecord{From: e.From, Text: e.Text})
	case app.ChatSent:
		st.ChatSent++
	case app.ChatFailed:
		st.ChatFailed++
	case app.HandRaised:
		if e.UserID != "" {
			m.hands[e.UserID] = e.Raised
		}
	case app.UserJoined:
		m.say(m.first, st)
		m.first = nil
	case app.UserLeft:
		delete(m.hands, e.UserID)
	case app.StateChanged:
		if e.State == app.Reconnecting && m.outage != nil {
			m.say(m.outage, st) // the call holds them until the link is back
			m.outage = nil
		}
	}
}

// apply writes each remote's hand into st.
func (m *meeting) apply(st *Stats) {
	for user, raised := range m.hands {
		r := st.Remotes[user]
		if r == nil {
			r = &RemoteStats{}
			st.Remotes[user] = r
		}
		r.HandRaised = raised
	}
}
