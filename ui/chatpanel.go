package ui

import (
	"errors"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/app"
)

// sidePanelWidth is how wide the chat and people panels are.
const sidePanelWidth = 340

// chatLine is one message in the panel.
type chatLine struct {
	id, from, name, text string
	at                   time.Time
	mine                 bool
	header               *widget.Label // name, time, and for ours whether it left
}

// chatPanel is the call's chat: every message since joining (kept while
// the panel is closed), a field to type in, and why a message cannot go.
// UI goroutine only.
type chatPanel struct {
	root    fyne.CanvasObject
	list    *fyne.Container
	scroll  *container.Scroll
	input   *widget.Entry
	send    *widget.Button
	problem *widget.Label

	lines  []*chatLine
	byID   map[string]*chatLine
	unread int // received while the panel was closed
	open   bool
	// onSend hands a message to the call; it returns the message's ID or
	// why it cannot be sent.
	onSend func(text string) (string, error)
}

func newChatPanel(onSend func(string) (string, error)) *chatPanel {
	p := &chatPanel{byID: map[string]*chatLine{}, onSend: onSend}
	p.list = container.NewVBox()
	p.scroll = container.NewVScroll(p.list)
	p.input = widget.NewEntry()
	p.input.SetPlaceHolder("Message everyone")
	p.input.OnSubmitted = func(string) { p.submit() }
	p.send = widget.NewButtonWithIcon("", theme.MailSendIcon(), p.submit)
	p.problem = widget.NewLabel("")
	p.problem.Wrapping = fyne.TextWrapWord
	p.problem.Importance = widget.DangerImportance
	p.problem.Hide()
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(sidePanelWidth, 1))
	title := widget.NewLabelWithStyle("Chat", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	bottom := container.NewVBox(p.problem, container.NewBorder(nil, nil, nil, p.send, p.input))
	p.root = container.NewBorder(container.NewVBox(width, title), bottom, nil, nil, p.scroll)
	return p
}

// submit sends what was typed, or says why it cannot. The message shows
// when the call has taken it in (ChatQueued).
func (p *chatPanel) submit() {
	if _, err := p.onSend(p.input.Text); err != nil {
		if !errors.Is(err, app.ErrChatEmpty) {
			p.showProblem(chatProblem(err))
		}
		return
	}
	p.showProblem("")
	p.input.SetText("")
}

// queued shows our message, sending until ChatSent or ChatFailed.
func (p *chatPanel) queued(e app.ChatQueued) {
	p.add(&chatLine{id: e.ID, name: "You", text: e.Text, at: e.At, mine: true})
}

// chatProblem is what the panel says about a message it cannot send.
func chatProblem(err error) string {
	if errors.Is(err, app.ErrChatTooLong) {
		return fmt.Sprintf("Too long to send: %v. Shorten it, or split it in parts.", err)
	}
	return "Could not send: " + err.Error()
}

func (p *chatPanel) showProblem(msg string) {
	p.problem.SetText(msg)
	p.problem.Hidden = msg == ""
	p.problem.Refresh()
}

// received adds someone else's message; it counts as unread while the
// panel is closed.
func (p *chatPanel) received(e app.ChatReceived) {
	at := e.At
	if at.IsZero() || at.After(time.Now().Add(time.Minute)) {
		at = time.Now() // a sender's clock we cannot trust
	}
	p.add(&chatLine{id: e.ID, from: e.From, name: e.Name, text: e.Text, at: at})
	if !p.open {
		p.unread++
	}
}

// delivered marks our message sent, or not sent and why.
func (p *chatPanel) delivered(id string, err error) {
	l := p.byID[id]
	if l == nil || !l.mine {
		return
	}
	if err != nil {
		l.header.SetText(fmt.Sprintf("You · %s · not sent: %v", l.at.Format("15:04"), err))
		l.header.Importance = widget.DangerImportance
	} else {
		l.header.SetText("You · " + l.at.Format("15:04"))
		l.header.Importance = widget.MediumImportance
	}
	l.header.Refresh()
}

func (p *chatPanel) add(l *chatLine) {
	head := l.name + " · " + l.at.Format("15:04")
	if l.mine {
		head += " · sending…"
	}
	l.header = widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	body := widget.NewRichText(chatSegments(l.text)...)
	body.Wrapping = fyne.TextWrapWord
	p.lines = append(p.lines, l)
	if l.id != "" {
		p.byID[l.id] = l
	}
	p.list.Add(container.NewVBox(l.header, body))
	p.scroll.ScrollToBottom()
}

// setOpen shows or hides the panel's messages as read.
func (p *chatPanel) setOpen(open bool) {
	p.open = open
	if open {
		p.unread = 0
		p.scroll.ScrollToBottom()
	}
}
