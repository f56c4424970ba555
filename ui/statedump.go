package ui

import (
	"encoding/json"
	"os"
	"slices"
	"time"

	"fyne.io/fyne/v2/widget"

	"confer/ui/widgets"
)

// State is the UI's model as --state-file writes it, for window tests.
type State struct {
	Screen  string `json:"screen"` // lobby or call
	Message string `json:"message,omitempty"`
	// FieldErrors are the lobby's messages next to its fields.
	FieldErrors map[string]string `json:"field_errors,omitempty"`
	Banner      string            `json:"banner,omitempty"`
	Dialog      string            `json:"dialog,omitempty"`
	// Overlay: a menu or dialog lies over the window's content.
	Overlay bool        `json:"overlay,omitempty"`
	Self    *TileState  `json:"self,omitempty"`
	Tiles   []TileState `json:"tiles,omitempty"`
	// Screens are the shared screens' tiles (User is the sharer); Stage
	// names the one shown large, "" in the grid.
	Screens  []TileState `json:"screens,omitempty"`
	Stage    string      `json:"stage,omitempty"`
	Sharing  bool        `json:"sharing"`
	Mirrored bool        `json:"mirrored"`
	// Resume is the offer of a device plugged back in, when shown.
	Resume string `json:"resume,omitempty"`
	// MutedHint: "You're muted" is shown (speaking into a muted microphone).
	MutedHint bool `json:"muted_hint,omitempty"`
	// PreviewFrames counts the lobby preview's frames shown.
	PreviewFrames int64 `json:"preview_frames,omitempty"`
	// PreviewNative: the preview goes to a child window of its own.
	PreviewNative bool `json:"preview_native,omitempty"`
	// Encrypted: the call shows its end-to-end encryption lock;
	// E2EEBanner explains why someone without the passphrase sees nothing.
	Encrypted  bool   `json:"encrypted,omitempty"`
	E2EEBanner string `json:"e2ee_banner,omitempty"`
	// The meeting: the chat panel open, messages not yet seen, the chat
	// so far; the people panel's order (user IDs, "" for this
	// participant); raised hands; the pinned person; the notice shown.
	ChatOpen bool        `json:"chat_open,omitempty"`
	Unread   int         `json:"unread,omitempty"`
	Chat     []ChatState `json:"chat,omitempty"`
	People   []string    `json:"people,omitempty"`
	Hands    []string    `json:"hands,omitempty"`
	Pinned   string      `json:"pinned,omitempty"`
	// Page is "Page 2 of 4" in a meeting too big for one page.
	Page   string `json:"page,omitempty"`
	Notice string `json:"notice,omitempty"`
}

// ChatState is one chat message in State; From is "" for this
// participant's own.
type ChatState struct {
	From string `json:"from"`
	Text string `json:"text"`
}

// Tile returns the tile of a user, or nil.
func (s State) Tile(user string) *TileState {
	for i := range s.Tiles {
		if s.Tiles[i].User == user {
			return &s.Tiles[i]
		}
	}
	return nil
}

// TileState is one tile in State.
type TileState struct {
	User       string `json:"user"`
	Name       string `json:"name"`
	VideoOn    bool   `json:"video_on"`
	ShowsVideo bool   `json:"shows_video"`
	MicMuted   bool   `json:"mic_muted"`
	Frames     int64  `json:"frames"`
	// VideoW×VideoH is the size of the frames decoded for the tile: the
	// simulcast layer it receives.
	VideoW int `json:"video_w,omitempty"`
	VideoH int `json:"video_h,omitempty"`
	// Capture → handed to the painter, for pictures with the synthetic
	// camera's time strip (glass to glass but for the repaint itself).
	ShownP50MS float64 `json:"shown_p50_ms,omitempty"`
	ShownP95MS float64 `json:"shown_p95_ms,omitempty"`
	// Where the tile is in the window, in pixels.
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
	// Status stands in for the picture ("Can't decrypt — …"); Warning is
	// beside the name ("not encrypted").
	Status  string `json:"status,omitempty"`
	Warning string `json:"warning,omitempty"`
	// Hidden: on another page (its video unsubscribed).
	Hidden bool `json:"hidden,omitempty"`
	// Native: the video goes to a child window of its own (ui/xvideo),
	// not through the window's canvas.
	Native bool `json:"native,omitempty"`
	// Picture is where the picture is drawn in the window, in pixels:
	// x, y, width, height (zero before a frame).
	Picture [4]int `json:"picture"`
}

func (c *controller) tileState(id string, t *widgets.VideoTile) TileState {
	i := t.Info()
	ts := TileState{User: id, Name: i.Name, VideoOn: i.VideoOn, ShowsVideo: t.ShowsVideo(), MicMuted: i.MicMuted, Frames: t.Frames()}
	ts.VideoW, ts.VideoH = t.VideoSize()
	p50, p95 := t.ShownLatency()
	ts.ShownP50MS, ts.ShownP95MS = msOf(p50), msOf(p95)
	pos := c.app.Driver().AbsolutePositionForObject(t)
	scale := c.w.Canvas().Scale()
	ts.X, ts.Y = int(pos.X*scale), int(pos.Y*scale)
	ts.W, ts.H = int(t.Size().Width*scale), int(t.Size().Height*scale)
	ts.Status, ts.Warning, ts.Hidden = i.Status, i.Warning, !t.Visible()
	ts.Native = t.Native()
	if x, y, w, h, ok := t.PictureRect(); ok {
		ts.Picture = [4]int{x, y, w, h}
	}
	return ts
}

// watchState rewrites the state file twice a second while the app runs:
// frame counts change without any event.
func (c *controller) watchState(stop <-chan struct{}) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			c.b.do(c.dumpState)
		}
	}
}

// dumpState writes the model to Options.StatePath (UI goroutine). Written to
// a temporary file and renamed, so a reader never sees half of it.
func (c *controller) dumpState() {
	if c.opts.StatePath == "" {
		return
	}
	st := State{Screen: "lobby", Dialog: c.dialog, PreviewFrames: c.lobby.preview.Frames(),
		PreviewNative: c.lobby.preview.Native(), Overlay: c.w.Canvas().Overlays().Top() != nil}
	if c.lobby.message.Visible() {
		st.Message = c.lobby.message.Text
	}
	for field, l := range map[string]*widget.Label{"name": c.lobby.nameErr, "room": c.lobby.roomErr, "server": c.lobby.serverErr} {
		if l.Visible() {
			if st.FieldErrors == nil {
				st.FieldErrors = map[string]string{}
			}
			st.FieldErrors[field] = l.Text
		}
	}
	if v := c.view; v != nil {
		st.Screen = "call"
		if v.banner.Visible() {
			st.Banner = v.banner.Text
		}
		self := c.tileState("", v.self)
		st.Self = &self
		for _, id := range slices.Clone(v.order) {
			st.Tiles = append(st.Tiles, c.tileState(id, v.tiles[id]))
		}
		for _, id := range v.screenOrder {
			st.Screens = append(st.Screens, c.tileState(id, v.screens[id]))
		}
		st.Stage, st.Sharing, st.Mirrored = v.staged(), v.sharing, v.self.Mirrored()
		if v.resume.Visible() {
			st.Resume = v.resume.Text
		}
		st.MutedHint = v.mutedHint.Visible()
		st.Encrypted = v.crypt.encrypted
		if v.crypt.banner.Visible() {
			st.E2EEBanner = v.crypt.banner.Text
		}
		v.meetingState(&st)
		if v.pages.bar.Visible() {
			st.Page = v.pages.label.Text
		}
	}
	data, _ := json.MarshalIndent(st, "", "  ")
	tmp := c.opts.StatePath + ".tmp"
	if os.WriteFile(tmp, data, 0o644) == nil {
		_ = os.Rename(tmp, c.opts.StatePath)
	}
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// meetingState adds the chat, people, hands and notice to st.
func (v *callView) meetingState(st *State) {
	m := &v.meet
	st.ChatOpen, st.Unread, st.Pinned = m.chat.open, m.chat.unread, v.pinned
	for _, l := range m.chat.lines {
		st.Chat = append(st.Chat, ChatState{From: l.from, Text: l.text})
	}
	st.People = slices.Clone(m.people.order)
	for _, id := range m.people.order {
		if m.people.people[id].hand {
			st.Hands = append(st.Hands, id)
		}
	}
	if m.notice.Visible() {
		st.Notice = m.notice.Text
	}
}
