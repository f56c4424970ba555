package ui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/app"
	"confer/ui/widgets"
)

// meetingActions are the call's commands for the meeting around the
// video, and a timer.
type meetingActions struct {
	sendChat  func(text string) (string, error)
	raiseHand func(raised bool)
	react     func(emoji string)
	muteForMe func(user string, muted bool)
	volume    func(user string, gain float64)
	// later runs fn on the UI goroutine after d (through the bridge).
	later func(d time.Duration, fn func())
	// For the host only; nil otherwise.
	muteMic, lowerHand func(user string)
}

// meetingView is the call screen's chat, people panel, raised hand,
// reactions and notices. UI goroutine only.
type meetingView struct {
	chat      *chatPanel
	people    *peoplePanel
	side      *fyne.Container // the open panel, or nothing
	chatBtn   *widget.Button
	peopleBtn *widget.Button
	handBtn   *widget.Button
	reactBtn  *widget.Button
	notice    *widget.Label
	notices   []shownNotice // the notices on show, oldest first
	noticeGen int
	floating  *reactionLayer
	handUp    bool
	act       meetingActions
}

func (v *callView) initMeeting(selfName string, act callActions) {
	m := &v.meet
	m.act = act.meeting
	if m.act.later == nil {
		m.act.later = func(time.Duration, func()) {} // views without timers (tests)
	}
	m.chat = newChatPanel(m.sendChat)
	m.people = newPeoplePanel(selfName, peopleActions{
		muteForMe: act.meeting.muteForMe, volume: act.meeting.volume, pin: v.pin, raiseHand: m.setHand,
		muteMic: act.meeting.muteMic, lowerHand: act.meeting.lowerHand, remove: act.remove,
	}, func() string { return v.pinned })
	m.side = container.NewStack()
	m.chatBtn = widget.NewButtonWithIcon("", theme.MailComposeIcon(), v.toggleChat)
	m.peopleBtn = widget.NewButtonWithIcon("", theme.AccountIcon(), v.togglePeople)
	m.handBtn = widget.NewButton("✋", func() { m.setHand(!m.handUp) })
	m.reactBtn = widget.NewButton("😀", v.showReactions)
	m.notice = widget.NewLabel("")
	m.notice.Alignment = fyne.TextAlignCenter
	m.notice.Truncation = fyne.TextTruncateEllipsis
	m.notice.Hide()
	m.floating = newReactionLayer(m.act.later)
	if act.meeting.sendChat == nil {
		for _, b := range []*widget.Button{m.chatBtn, m.handBtn, m.reactBtn} {
			b.Hide()
		}
	}
}

func (m *meetingView) sendChat(text string) (string, error) {
	if m.act.sendChat == nil {
		return "", app.ErrNotJoined
	}
	return m.act.sendChat(text)
}

// setHand asks the call to raise or lower this participant's hand; the
// button follows the call's HandRaised.
func (m *meetingView) setHand(raised bool) {
	if m.act.raiseHand != nil {
		m.act.raiseHand(raised)
	}
}

// toggleChat opens or closes the chat panel (Ctrl+Shift+C).
func (v *callView) toggleChat() { v.showPanel(v.meet.chat.root, !v.meet.chat.open) }

// togglePeople opens or closes the people panel.
func (v *callView) togglePeople() {
	v.showPanel(v.meet.people.root, len(v.meet.side.Objects) == 0 || v.meet.side.Objects[0] != v.meet.people.root)
}

// showPanel shows one side panel (or none).
func (v *callView) showPanel(panel fyne.CanvasObject, open bool) {
	m := &v.meet
	m.side.Objects = nil
	if open {
		m.side.Objects = []fyne.CanvasObject{panel}
	}
	m.chat.setOpen(open && panel == m.chat.root)
	v.root.Refresh() // the window's border lays the panel out at its width
	v.showChatButton()
	if m.chat.open {
		if c := fyne.CurrentApp().Driver().CanvasForObject(m.chat.input); c != nil {
			c.Focus(m.chat.input)
		}
	}
}

// showChatButton shows the unread count on the chat button.
func (v *callView) showChatButton() {
	b := v.meet.chatBtn
	b.SetText("")
	b.Importance = widget.MediumImportance
	if n := v.meet.chat.unread; n > 0 {
		b.SetText(fmt.Sprint(n))
		b.Importance = widget.HighImportance
	}
	b.Refresh()
}

// showReactions offers the reactions under the button.
func (v *callView) showReactions() {
	m := &v.meet
	items := make([]*fyne.MenuItem, 0, len(app.Reactions))
	for _, e := range app.Reactions {
		items = append(items, fyne.NewMenuItem(e, func() { m.act.react(e) }))
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(m.reactBtn)
	if c == nil {
		return
	}
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(m.reactBtn)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c, pos.AddXY(0, -float32(len(items))*36))
}

// shownNotice is one line of the notice, numbered so that its timer
// takes away that line and no later one.
type shownNotice struct {
	gen  int
	text string
}

// Notices stay noticeShown each; up to maxNotices show at once, newest
// last, so two that come together (a message and a raised hand) are both
// read rather than the second wiping out the first.
const (
	noticeShown = 4 * time.Second
	maxNotices  = 3
)

// notify shows a short notice at the top for a few seconds.
func (v *callView) notify(msg string) {
	m := &v.meet
	m.noticeGen++
	gen := m.noticeGen
	m.notices = append(m.notices, shownNotice{gen, msg})
	if len(m.notices) > maxNotices {
		m.notices = m.notices[len(m.notices)-maxNotices:]
	}
	m.showNotices()
	m.act.later(noticeShown, func() {
		m.notices = slices.DeleteFunc(m.notices, func(n shownNotice) bool { return n.gen == gen })
		m.showNotices()
	})
}

// showNotices puts the notices on show in the label, one per line.
func (m *meetingView) showNotices() {
	if len(m.notices) == 0 {
		m.notice.Hide()
		return
	}
	lines := make([]string, len(m.notices))
	for i, n := range m.notices {
		lines[i] = n.text
	}
	m.notice.SetText(strings.Join(lines, "\n"))
	m.notice.Show()
}

// onMeetingEvent applies the meeting's side of an event: the people
// panel, chat, hands, reactions and notices.
func (v *callView) onMeetingEvent(ev app.Event) {
	m := &v.meet
	switch e := ev.(type) {
	case app.UserJoined:
		m.people.join(e.UserID, e.Name)
		if !e.AlreadyThere {
			v.notify(e.Name + " joined")
		}
	case app.UserLeft:
		v.notify(m.people.nameOf(e.UserID) + " left")
		m.people.leave(e.UserID)
		if v.pinned == e.UserID {
			v.pin("")
		}
	case app.ChatReceived:
		m.chat.received(e)
		if !m.chat.open {
			v.notify(e.Name + ": " + firstLine(e.Text))
		}
		v.showChatButton()
	case app.ChatQueued:
		m.chat.queued(e)
	case app.ChatSent:
		m.chat.delivered(e.ID, nil)
	case app.ChatFailed:
		m.chat.delivered(e.ID, e.Err)
	case app.HandRaised:
		v.onHand(e)
	case app.ReactionReceived:
		if t := v.tileOf(e.UserID); t != nil {
			m.floating.float(v.grid, t, e.Emoji)
		}
	case app.MutedByHost:
		v.notify("The host muted your microphone. Unmute it when you want to speak (Ctrl+D).")
	default:
		v.peopleState(ev)
	}
}

// peopleState keeps the people panel's states as the tiles show them.
func (v *callView) peopleState(ev app.Event) {
	p := v.meet.people
	switch e := ev.(type) {
	case app.RemoteVideo:
		if e.Source == app.SourceCamera {
			p.update(e.UserID, func(pp *person) { pp.camOn = e.Available })
		}
	case app.RemoteAudio:
		if e.Source == app.SourceMicrophone {
			p.update(e.UserID, func(pp *person) { pp.micOn = e.Available })
		}
	case app.LocalSourceChanged:
		p.update("", func(pp *person) { pp.micOn, pp.camOn = v.micOn, v.camOn })
	case app.NetworkQuality:
		p.update(e.UserID, func(pp *person) { pp.quality = qualityBars(e.Quality) })
	case app.AudioLevels:
		for id, pp := range p.people {
			speaking := e.Speaking[id]
			if id == "" {
				speaking = e.LocalSpeaking
			}
			if pp.speaking != speaking {
				p.update(id, func(pp *person) { pp.speaking = speaking })
			}
		}
	}
}

// onHand shows a hand on the tile, in the people panel and, for our own,
// on the button.
func (v *callView) onHand(e app.HandRaised) {
	m := &v.meet
	m.people.update(e.UserID, func(pp *person) { pp.hand, pp.handAt = e.Raised, e.At })
	if t := v.tileOf(e.UserID); t != nil {
		info := t.Info()
		info.Hand = e.Raised
		t.SetInfo(info)
	}
	if e.UserID == "" {
		m.handUp = e.Raised
		m.handBtn.Importance = widget.MediumImportance
		if e.Raised {
			m.handBtn.Importance = widget.WarningImportance
		}
		m.handBtn.Refresh()
		return
	}
	if e.Raised {
		v.notify(m.people.nameOf(e.UserID) + " raised a hand")
	}
}

// tileOf is a person's tile ("" for this participant's).
func (v *callView) tileOf(user string) *widgets.VideoTile {
	if user == "" {
		return v.self
	}
	return v.tiles[user]
}

// nameOf is a person's name as the panel shows it, without "(you)".
func (p *peoplePanel) nameOf(id string) string {
	if pp := p.people[id]; pp != nil {
		return pp.name
	}
	return id
}

// firstLine is the start of a message, for a notice.
func firstLine(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	if r := []rune(line); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return line
}
