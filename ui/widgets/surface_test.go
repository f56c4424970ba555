package widgets

import (
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"confer/media"
)

// fakeSurface records what a tile asks of its surface. Put is called on
// the decoding goroutine, the rest on the UI goroutine.
type fakeSurface struct {
	mu     sync.Mutex
	placed [4]int // x, y, w, h; zero while hidden
	puts   int
}

func (s *fakeSurface) Put(*media.VideoFrame, bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.placed[2] == 0 {
		return false
	}
	s.puts++
	return true
}

func (s *fakeSurface) Place(x, y, w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.placed = [4]int{x, y, w, h}
}

func (s *fakeSurface) Hide() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.placed = [4]int{}
}

func (s *fakeSurface) state() (placed [4]int, puts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.placed, s.puts
}

// A tile with a surface sends its frames there while it shows video and
// nothing covers it, placed inside the highlight and above the name bar;
// covered, or with the camera off, it hides the surface and the canvas
// paints again.
func TestTileSendsFramesToItsSurfaceWhileItCan(t *testing.T) {
	test.NewTempApp(t)
	ui := func(fn func()) { fn() }
	tile := NewVideoTile(TileInfo{Name: "Ada", VideoOn: true}, false, ui)
	w := test.NewWindow(tile)
	defer w.Close()
	w.Resize(fyne.NewSize(320, 180))
	surf := &fakeSurface{}
	tile.SetSurface(surf)
	f := media.NewI420(640, 360)

	tile.SyncSurface(false)
	placed, _ := surf.state()
	if !tile.Native() || placed[0] < surfaceInset || placed[2] <= 0 || placed[3] >= int(tile.Size().Height)-surfaceInset {
		t.Fatalf("synced: native %v, placed at %v in a %v tile", tile.Native(), placed, tile.Size())
	}
	done := make(chan struct{})
	go func() { // the decoder's goroutine
		defer close(done)
		for range 3 {
			tile.WriteFrame(f)
		}
	}()
	<-done
	if _, puts := surf.state(); puts != 3 || tile.Frames() != 3 || !tile.ShowsVideo() || tile.img.Visible() {
		t.Fatalf("3 frames: %d put, %d counted, shows video %v, canvas picture %v", puts, tile.Frames(), tile.ShowsVideo(), tile.img.Visible())
	}
	if x, y, pw, ph, ok := tile.PictureRect(); !ok || pw > placed[2] || ph > placed[3] || x < placed[0] || y < placed[1] {
		t.Errorf("picture at %d,%d %dx%d, outside the surface %v", x, y, pw, ph, placed)
	}

	tile.SyncSurface(true) // a menu opens over the tiles
	if placed, _ := surf.state(); tile.Native() || placed != [4]int{} {
		t.Fatalf("covered: native %v, surface at %v", tile.Native(), placed)
	}
	tile.WriteFrame(f)
	if _, puts := surf.state(); puts != 3 || !tile.ShowsVideo() || !tile.img.Visible() {
		t.Fatalf("covered: the frame went to the surface (%d puts) or the canvas does not show it", puts)
	}

	tile.SyncSurface(false) // the menu closes: the surface again
	if b := &tile.box; !tile.Native() || tile.img.Image != nil || b.free != nil || b.ready != nil || b.spare != nil || b.showing != nil {
		t.Fatalf("back on the surface: native %v, the canvas's pictures still held", tile.Native())
	}
	tile.SetInfo(TileInfo{Name: "Ada", VideoOn: false})
	if placed, _ := surf.state(); tile.Native() || placed != [4]int{} || tile.ShowsVideo() {
		t.Fatalf("camera off: native %v, surface at %v, shows video %v", tile.Native(), placed, tile.ShowsVideo())
	}
}
