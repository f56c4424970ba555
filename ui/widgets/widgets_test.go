package widgets

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"confer/media"
	"confer/media/synth"
)

func TestArrangeForOneToNinePeople(t *testing.T) {
	want := map[int][2]int{1: {1, 1}, 2: {2, 1}, 3: {2, 2}, 4: {2, 2}, 5: {3, 2}, 6: {3, 2}, 7: {3, 3}, 8: {3, 3}, 9: {3, 3}}
	for n := 1; n <= 9; n++ {
		cols, rows, tile := Arrange(n, 1280, 720, 0)
		if [2]int{cols, rows} != want[n] {
			t.Errorf("%d people in 1280×720: %d×%d, want %d×%d", n, cols, rows, want[n][0], want[n][1])
		}
		if r := tile.Width / tile.Height; r < 1.77 || r > 1.78 {
			t.Errorf("%d people: tile %v is not 16:9", n, tile)
		}
	}
	// A tall window stacks two people instead.
	if cols, rows, _ := Arrange(2, 500, 900, 0); cols != 1 || rows != 2 {
		t.Errorf("2 people in a tall window: %d×%d, want 1×2", cols, rows)
	}
}

func TestGridCentresAShortLastRow(t *testing.T) {
	test.NewTempApp(t)
	objs := make([]fyne.CanvasObject, 3)
	for i := range objs {
		objs[i] = NewLevelMeter()
	}
	GridLayout{}.Layout(objs, fyne.NewSize(1280, 720))
	top, bottom := objs[0].Position(), objs[2].Position()
	if bottom.Y <= top.Y {
		t.Fatalf("third tile not on the second row: %v", bottom)
	}
	if mid := bottom.X + objs[2].Size().Width/2; mid < 630 || mid > 650 {
		t.Errorf("lone tile centred at x=%.0f, want 640", mid)
	}
}

func TestTileStates(t *testing.T) {
	test.NewTempApp(t)
	ui := func(fn func()) { fn() } // the test goroutine is the UI goroutine here
	tile := NewVideoTile(TileInfo{Name: "Ana María"}, false, ui)
	w := test.NewWindow(tile)
	defer w.Close()
	w.Resize(fyne.NewSize(320, 180))

	if tile.ShowsVideo() || tile.initials.Text != "AM" || !tile.initials.Visible() {
		t.Fatalf("no video yet: want initials AM, got %q (video %v)", tile.initials.Text, tile.ShowsVideo())
	}
	tile.SetInfo(TileInfo{Name: "Ana María", MicMuted: true, Speaking: true})
	if !tile.muted.Visible() {
		t.Error("muted mic not shown")
	}
	if !tile.border.Shown() {
		t.Error("speaking highlight not shown")
	}
	tile.SetInfo(TileInfo{Name: "Ana María", VideoOn: true})
	if tile.muted.Visible() || tile.border.Shown() {
		t.Error("unmuted, quiet tile still shows mute or highlight")
	}

	f := media.NewI420(640, 360)
	synth.NewPattern(640, 360).Draw(f, 0)
	tile.WriteFrame(f)
	if !tile.ShowsVideo() || tile.Frames() != 1 {
		t.Fatalf("after a frame: shows video %v, frames %d", tile.ShowsVideo(), tile.Frames())
	}
	// 16:9 video in the tile keeps its shape and fills the tile's width or height.
	b, s := tile.img.Image.Bounds(), tile.Size()
	if b.Dx() > int(s.Width) || b.Dy() > int(s.Height) || (b.Dx() < int(s.Width)-2 && b.Dy() < int(s.Height)-2) {
		t.Errorf("frame converted to %v for a %v tile", b, s)
	}
	tile.SetInfo(TileInfo{Name: "Ana María", VideoOn: false})
	if tile.ShowsVideo() || !tile.initials.Visible() {
		t.Error("camera off still shows the last frame")
	}
}

func TestTileDropsFramesWhileARefreshIsPending(t *testing.T) {
	test.NewTempApp(t)
	var queued []func()
	tile := NewVideoTile(TileInfo{Name: "Bo", VideoOn: true}, true, func(fn func()) { queued = append(queued, fn) })
	tile.Resize(fyne.NewSize(160, 90))
	f := media.NewI420(320, 180)
	for i := 0; i < 5; i++ {
		tile.WriteFrame(f)
	}
	if len(queued) != 1 {
		t.Fatalf("%d refreshes scheduled for 5 frames; want 1", len(queued))
	}
	queued[0]()
	if !tile.ShowsVideo() {
		t.Fatal("refresh did not show the frame")
	}
}

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{"Ana": "A", "grace hopper": "GH", "  ": "?", "Zoë  de la Cruz": "ZD", "李 雷": "李雷", "8888": "8"} {
		if got := Initials(name); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestLevelMeterScale(t *testing.T) {
	test.NewTempApp(t)
	m := NewLevelMeter()
	m.SetRMS(0)
	if m.Level() != 0 {
		t.Errorf("silence shows %.2f", m.Level())
	}
	m.SetRMS(0.3)
	if m.Level() < 0.8 {
		t.Errorf("a 0.3 RMS tone shows only %.2f", m.Level())
	}
}

func TestStageShowsTheFirstLargeAndTheRestInAStrip(t *testing.T) {
	objs := []fyne.CanvasObject{canvas.NewRectangle(nil), canvas.NewRectangle(nil), canvas.NewRectangle(nil)}
	StageLayout{Gap: 6}.Layout(objs, fyne.NewSize(1000, 500))
	stage := objs[0]
	if stage.Size().Width < 700 || stage.Size().Height != 500 {
		t.Errorf("stage is %v in a 1000x500 window", stage.Size())
	}
	for _, o := range objs[1:] {
		if o.Position().X < stage.Size().Width || o.Size().Width > 200 {
			t.Errorf("strip tile at %v size %v overlaps the stage or is too big", o.Position(), o.Size())
		}
	}
	// A tall window puts the strip under the stage.
	StageLayout{Gap: 6}.Layout(objs, fyne.NewSize(500, 1000))
	if objs[1].Position().Y < stage.Size().Height {
		t.Errorf("in a tall window the strip is at %v, inside the stage %v", objs[1].Position(), stage.Size())
	}
}

func TestPainterBatchesRefreshesAndPacesThem(t *testing.T) {
	var ran []func()
	run := func(fn func()) { ran = append(ran, fn) }
	p := NewPainter(run, 50*time.Millisecond)
	count := 0
	p.Schedule(func() { count++ })
	p.Schedule(func() { count++ }) // joins the pending batch
	if len(ran) != 1 {
		t.Fatalf("%d paints queued for two refreshes; want one", len(ran))
	}
	ran[0]()
	if count != 2 {
		t.Fatalf("the batch ran %d refreshes; want 2", count)
	}
	// Right after a paint, the next batch waits for the interval.
	done := make(chan struct{})
	p2 := NewPainter(func(fn func()) { fn(); close(done) }, 50*time.Millisecond)
	p2.Schedule(func() {})
	<-done
	done = make(chan struct{})
	start := time.Now()
	p2.Schedule(func() {})
	<-done
	if waited := time.Since(start); waited < 40*time.Millisecond {
		t.Errorf("second paint after %v; want about the 50 ms interval", waited)
	}
}

// The speaking highlight covers the frame's pixels only: four bars along
// the sides, not a rectangle as large as the tile.
func TestSpeakingHighlightIsFourBars(t *testing.T) {
	e := newEdges(3)
	e.Show(colorFor("x"))
	e.root.Resize(fyne.NewSize(300, 200))
	var area float32
	for _, b := range e.bars {
		area += b.Size().Width * b.Size().Height
		p, s := b.Position(), b.Size()
		if p.X < 0 || p.Y < 0 || p.X+s.Width > 300 || p.Y+s.Height > 200 {
			t.Errorf("bar at %v size %v is outside the tile", p, s)
		}
	}
	if want := float32(2*300*3 + 2*194*3); area != want {
		t.Errorf("bars cover %v px², want %v (the frame only)", area, want)
	}
	if !e.Shown() {
		t.Error("not shown")
	}
}
