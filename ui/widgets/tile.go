package widgets

import (
	"image/color"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"confer/media"
)

// TileInfo is what a tile shows besides the picture.
type TileInfo struct {
	Name     string
	VideoOn  bool // the person's camera is published and unmuted
	MicMuted bool
	Speaking bool
	Quality  int // 0 unknown, 1 poor, 2 good, 3 excellent
	// Status, when set, is shown instead of the picture and the initials:
	// why there is nothing to show ("Can't decrypt — different
	// passphrase?").
	Status string
	// Warning, when set, is shown beside the name ("not encrypted").
	Warning string
	// Hand: the person's hand is raised (a hand before the name).
	Hand bool
}

// Surface paints a tile's video outside Fyne's canvas: a native child
// window of the app's window (ui/xvideo). Put is called on the goroutine
// that decodes the video, the others on the UI goroutine.
type Surface interface {
	// Put shows a frame, fitted to the surface; false when it showed
	// nothing (hidden, closed, malformed).
	Put(f *media.VideoFrame, mirror bool) bool
	// Place puts the surface at (x, y), w×h pixels of the window; it
	// appears with the next picture.
	Place(x, y, w, h int)
	Hide()
}

// nativeRoute holds the surface frames go to while it shows the video.
type nativeRoute struct{ s Surface }

// VideoTile shows one person: their video, or their initials on a coloured
// background while there is none, their name, a muted-mic mark and a
// highlight while they speak. It is a media.FrameSink: WriteFrame may be
// called from any goroutine.
type VideoTile struct {
	widget.BaseWidget

	box      frameMailbox
	schedule func(func()) // runs a function on the UI goroutine (the bridge)
	pending  atomic.Bool  // a refresh is scheduled and not yet run
	shown    latencies    // capture → handed to the painter

	// route is the surface frames go to instead of the mailbox, nil while
	// Fyne paints the video; painted tells a frame went there since.
	route   atomic.Pointer[nativeRoute]
	painted atomic.Bool

	// OnMenu, when set, is called on a right click with the click's
	// absolute position (UI goroutine): the host's "Remove from call".
	OnMenu func(at fyne.Position)
	// OnSize, when set, is told the tile's size in pixels whenever the
	// layout changes it (UI goroutine): a receiver asks for the video
	// layer that fits.
	OnSize func(width, height int)
	// OnPlace, when set, is told when the tile moves, changes size or has
	// video to show again (UI goroutine): the owner of its surface places
	// it.
	OnPlace func()

	// UI goroutine state.
	info     TileInfo
	hasFrame bool
	bg       *canvas.Rectangle
	img      *canvas.Image
	initials *canvas.Text
	name     *canvas.Text
	muted    *widget.Icon
	quality  *canvas.Text
	status   *canvas.Text
	warning  *canvas.Text
	border   *edges            // the speaking highlight
	bar      fyne.CanvasObject // name, marks and their shade, at the bottom
	surface  Surface
}

// NewVideoTile makes a tile. schedule must run its argument on the UI
// goroutine (fyne.Do, through the app's bridge); mirror flips the picture,
// for the self-view.
func NewVideoTile(info TileInfo, mirror bool, schedule func(func())) *VideoTile {
	t := &VideoTile{schedule: schedule}
	t.box.mirror.Store(mirror)
	t.bg = canvas.NewRectangle(colorFor(info.Name))
	t.img = canvas.NewImageFromImage(nil)
	t.img.FillMode = canvas.ImageFillContain
	t.img.ScaleMode = canvas.ImageScaleFastest
	t.initials = canvas.NewText("", color.White)
	t.initials.TextSize = 42
	t.initials.TextStyle.Bold = true
	t.initials.Alignment = fyne.TextAlignCenter
	t.name = canvas.NewText("", color.White)
	t.name.TextSize = 14
	t.muted = widget.NewIcon(theme.VolumeMuteIcon())
	t.quality = canvas.NewText("", color.White)
	t.quality.TextSize = 12
	t.status = canvas.NewText("", color.White)
	t.status.TextSize = 16
	t.status.TextStyle.Bold = true
	t.status.Alignment = fyne.TextAlignCenter
	t.warning = canvas.NewText("", color.NRGBA{R: 0xff, G: 0xc1, B: 0x4d, A: 0xff})
	t.warning.TextSize = 12
	t.border = newEdges(3)
	t.ExtendBaseWidget(t)
	t.SetInfo(info)
	return t
}

// SetInfo updates name, states and highlight (UI goroutine).
func (t *VideoTile) SetInfo(info TileInfo) {
	t.info = info
	t.initials.Text = Initials(info.Name)
	t.name.Text = info.Name
	if info.Hand {
		t.name.Text = "✋ " + info.Name
	}
	t.quality.Text = qualityMark(info.Quality)
	t.status.Text, t.warning.Text = info.Status, info.Warning
	t.status.Hidden = info.Status == ""
	if info.MicMuted {
		t.muted.Show()
	} else {
		t.muted.Hide()
	}
	if info.Speaking {
		t.border.Show(color.NRGBA{R: 0x3d, G: 0xd6, B: 0x8c, A: 0xff})
	} else {
		t.border.Hide()
	}
	if !info.VideoOn {
		t.hasFrame = false
	}
	if !t.wantsVideo() {
		t.unroute() // not a frozen last picture until the next sync
	} else if t.surface != nil && !t.Native() && t.OnPlace != nil {
		t.OnPlace() // the surface can show it
	}
	t.showVideo(t.wantsVideo() && t.hasFrame)
	t.Refresh()
}

// Info returns what the tile shows (UI goroutine).
func (t *VideoTile) Info() TileInfo { return t.info }

// ShowsVideo tells whether the picture (not the initials) is visible.
func (t *VideoTile) ShowsVideo() bool {
	if t.route.Load() != nil {
		return t.painted.Load()
	}
	return t.img.Visible()
}

// Frames counts the frames converted for this tile.
func (t *VideoTile) Frames() int64 { return t.box.frames.Load() }

// VideoSize is the size of the last frame converted for this tile, as
// decoded: which simulcast layer it gets.
func (t *VideoTile) VideoSize() (w, h int) { return t.box.sourceSize() }

// wantsVideo: the camera is on and no status stands in for the picture.
func (t *VideoTile) wantsVideo() bool { return t.info.VideoOn && t.info.Status == "" }

// showVideo shows the picture or the initials. Under a picture the
// background is hidden rather than painted over: without a GPU every
// pixel painted costs, and the window's own background frames a letterboxed
// picture as well.
func (t *VideoTile) showVideo(on bool) {
	on = on && t.route.Load() == nil // a surface shows it
	if on == t.img.Visible() && on != t.bg.Visible() {
		return
	}
	if on {
		t.img.Show()
		t.initials.Hide()
		t.bg.Hide()
	} else {
		t.img.Hide()
		t.initials.Show()
		t.bg.FillColor = colorFor(t.info.Name)
		t.bg.Show()
		t.bg.Refresh()
	}
}

// WriteFrame implements media.FrameSink: straight to the surface while one
// shows the video; otherwise convert now, refresh at most once per UI turn
// however fast frames come.
func (t *VideoTile) WriteFrame(f *media.VideoFrame) {
	if r := t.route.Load(); r != nil && r.s.Put(f, t.box.mirror.Load()) {
		t.box.counted(f)
		t.painted.Store(true)
		if !t.Mirrored() {
			t.shown.noteFrame(f, time.Now())
		}
		return
	}
	if !t.box.put(f) || t.pending.Swap(true) {
		return
	}
	t.schedule(t.showLatest)
}

func (t *VideoTile) showLatest() {
	t.pending.Store(false)
	pic := t.box.take()
	if pic == nil {
		return
	}
	t.img.Image = pic
	t.hasFrame = true
	t.showVideo(t.wantsVideo())
	t.img.Refresh()
	if !t.Mirrored() {
		t.shown.notePicture(pic, time.Now())
	}
}

// ShownLatency is the time from capture to the picture being handed to the
// painter, p50 and p95 over the recent frames that carry the synthetic
// camera's time strip (zero without them). With Fyne the repaint follows
// within the painter's interval; a surface has sent it to the X server.
func (t *VideoTile) ShownLatency() (p50, p95 time.Duration) { return t.shown.percentiles() }

// TappedSecondary opens the tile's menu, when it has one.
func (t *VideoTile) TappedSecondary(e *fyne.PointEvent) {
	if t.OnMenu != nil {
		t.OnMenu(e.AbsolutePosition)
	}
}

// Move tells the surface's owner, if any.
func (t *VideoTile) Move(p fyne.Position) {
	t.BaseWidget.Move(p)
	if t.OnPlace != nil {
		t.OnPlace()
	}
}

// Resize tells the mailbox the size in pixels to convert frames to.
func (t *VideoTile) Resize(s fyne.Size) {
	t.BaseWidget.Resize(s)
	if t.OnPlace != nil {
		t.OnPlace()
	}
	scale := float32(1)
	if c := fyne.CurrentApp().Driver().CanvasForObject(t); c != nil {
		scale = c.Scale()
	}
	w, h := int(s.Width*scale), int(s.Height*scale)
	t.box.setTarget(w, h)
	if t.OnSize != nil {
		t.OnSize(w, h)
	}
}

func (t *VideoTile) CreateRenderer() fyne.WidgetRenderer {
	label := container.NewHBox(t.muted, t.name, t.warning)
	bar := container.NewBorder(nil, nil, label, t.quality)
	barBg := canvas.NewRectangle(color.NRGBA{A: 0x90})
	t.bar = container.NewStack(barBg, container.NewPadded(bar))
	bottom := container.NewBorder(nil, t.bar, nil, nil)
	return widget.NewSimpleRenderer(container.NewStack(
		t.bg, container.NewCenter(container.NewVBox(t.initials, t.status)), t.img, bottom, t.border.root))
}

// Initials returns up to two letters for a name: "Ana María" → "AM".
func Initials(name string) string {
	var out []rune
	for _, word := range strings.Fields(name) {
		for _, r := range word {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// colorFor picks a stable, muted background colour for a name.
func colorFor(name string) color.Color {
	palette := []color.NRGBA{
		{0x5b, 0x6c, 0xc4, 0xff}, {0x3f, 0x8f, 0x7a, 0xff}, {0xb0, 0x5a, 0x3c, 0xff},
		{0x8a, 0x4f, 0xa8, 0xff}, {0x4a, 0x7f, 0xb5, 0xff}, {0xa3, 0x7b, 0x2c, 0xff},
	}
	h := uint32(2166136261)
	for _, r := range name {
		h = (h ^ uint32(r)) * 16777619
	}
	return palette[h%uint32(len(palette))]
}

func qualityMark(q int) string {
	switch q {
	case 1:
		return "▂"
	case 2:
		return "▂▄"
	case 3:
		return "▂▄▆"
	}
	return ""
}

// SetMirror flips the picture left to right, or not, from the next frame.
func (t *VideoTile) SetMirror(on bool) { t.box.mirror.Store(on) }

// Mirrored tells whether the picture is flipped.
func (t *VideoTile) Mirrored() bool { return t.box.mirror.Load() }
