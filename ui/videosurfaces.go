package ui

import (
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver"
	"fyne.io/fyne/v2/theme"

	"confer/ui/widgets"
	"confer/ui/xvideo"
)

// surfaceCheck is how often the surfaces are checked against what the
// window shows while any shows video, for what nothing tells about: a menu
// or dialog opening over them.
const surfaceCheck = 200 * time.Millisecond

// videoSurfaces shows the videos (the call's, the lobby's preview) in X11
// child windows of the window (ui/xvideo) instead of through Fyne's canvas: a new frame then costs a
// conversion and a copy into the X server instead of a repaint of the whole
// window, which without a GPU is most of what a call costs. Where that is
// not available (Wayland, other systems, a remote display) it does nothing
// and Fyne paints. UI goroutine only.
type videoSurfaces struct {
	w     fyne.Window
	do    func(func()) // to the UI goroutine: the bridge
	after func(time.Duration, func()) *time.Timer
	tiles func() []*widgets.VideoTile // what should have a surface now
	// covered tells whether something of the window's lies over the tiles
	// (a menu, a dialog, floating reactions): then the canvas paints.
	covered func() bool
	log     *slog.Logger

	conn     *xvideo.Conn // nil until the first tile, and when unavailable
	off      bool         // Fyne paints: chosen, or the display cannot
	surfaces map[*widgets.VideoTile]*xvideo.Surface
	queued   bool        // a sync is posted to the UI goroutine
	check    *time.Timer // the next periodic sync
}

func newVideoSurfaces(w fyne.Window, do func(func()), tiles func() []*widgets.VideoTile, covered func() bool,
	log *slog.Logger, off bool) *videoSurfaces {
	return &videoSurfaces{w: w, do: do, after: time.AfterFunc, tiles: tiles, covered: covered, log: log, off: off,
		surfaces: map[*widgets.VideoTile]*xvideo.Surface{}}
}

// changed asks for a sync after the UI goroutine's current work (a layout
// pass moves tiles one by one; their places are read once it is done).
func (m *videoSurfaces) changed() {
	if m.queued || m.off {
		return
	}
	m.queued = true
	m.do(m.sync)
}

// sync gives every tile on screen a surface and places it, closes
// the surfaces of tiles that are gone, and comes back while any remain.
func (m *videoSurfaces) sync() {
	m.queued = false
	if m.check != nil {
		m.check.Stop()
		m.check = nil
	}
	tiles := m.tiles()
	if m.off || len(tiles) == 0 {
		m.closeAll()
		return
	}
	if m.conn == nil && !m.open() {
		return
	}
	blocked := m.covered()
	keep := make(map[*widgets.VideoTile]bool, len(tiles))
	native := false
	for _, t := range tiles {
		keep[t] = true
		if m.surfaces[t] == nil && !m.attach(t) {
			return
		}
		t.SyncSurface(blocked)
		native = native || t.Native()
	}
	for t, s := range m.surfaces {
		if !keep[t] {
			m.detach(t, s)
		}
	}
	// Come back to hide the surfaces when a menu opens over them, or to
	// show them when it goes; with neither, a tile tells when its video
	// starts.
	if native || blocked {
		m.check = m.after(surfaceCheck, func() { m.do(m.sync) })
	}
}

// open connects to the window's X server, or settles on Fyne's painting.
// Before the window is on screen it has no X11 window yet: sync comes back.
func (m *videoSurfaces) open() bool {
	x11, handle := false, uintptr(0)
	if nw, ok := m.w.(driver.NativeWindow); ok {
		nw.RunNative(func(ctx any) {
			if x, ok := ctx.(driver.X11WindowContext); ok {
				x11, handle = true, x.WindowHandle
			}
		})
	}
	switch {
	case !x11:
		m.off = true
		m.log.Info("video is painted by the window's canvas: not an X11 window")
		return false
	case handle == 0:
		m.check = m.after(surfaceCheck, func() { m.do(m.sync) })
		return false
	}
	conn, err := xvideo.Open(handle)
	if err != nil {
		m.off = true
		m.log.Info("video is painted by the window's canvas", "reason", err)
		return false
	}
	m.conn = conn
	return true
}

func (m *videoSurfaces) attach(t *widgets.VideoTile) bool {
	s, err := m.conn.NewSurface(theme.Color(theme.ColorNameBackground))
	if err != nil {
		m.log.Warn("video is painted by the window's canvas", "reason", err)
		m.off = true
		m.closeAll()
		return false
	}
	m.surfaces[t] = s
	t.SetSurface(s)
	t.OnPlace = m.changed
	return true
}

func (m *videoSurfaces) detach(t *widgets.VideoTile, s *xvideo.Surface) {
	t.OnPlace = nil
	t.SetSurface(nil)
	s.Close()
	delete(m.surfaces, t)
}

// closeAll gives every tile back to Fyne and ends the connection: on
// changing screens, and when the window quits.
func (m *videoSurfaces) closeAll() {
	for t, s := range m.surfaces {
		m.detach(t, s)
	}
	if m.check != nil {
		m.check.Stop()
		m.check = nil
	}
	if m.conn != nil {
		m.conn.Close()
		m.conn = nil
	}
}
