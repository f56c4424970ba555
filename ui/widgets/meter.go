package widgets

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// LevelMeter is a horizontal bar for a microphone level.
type LevelMeter struct {
	widget.BaseWidget
	level float64 // 0–1 on a log scale, UI goroutine
	track *canvas.Rectangle
	bar   *canvas.Rectangle
}

// NewLevelMeter makes an empty meter.
func NewLevelMeter() *LevelMeter {
	m := &LevelMeter{
		track: canvas.NewRectangle(color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x40}),
		bar:   canvas.NewRectangle(color.NRGBA{R: 0x3d, G: 0xd6, B: 0x8c, A: 0xff}),
	}
	m.ExtendBaseWidget(m)
	return m
}

// SetRMS shows an RMS level (0–1 of full scale) on a −60…0 dB scale (UI goroutine).
func (m *LevelMeter) SetRMS(rms float64) {
	db := 20 * math.Log10(max(rms, 1e-6))
	m.level = max(0, min(1, (db+60)/60))
	m.Refresh()
}

// Level is the shown fraction of the bar, 0–1.
func (m *LevelMeter) Level() float64 { return m.level }

func (m *LevelMeter) CreateRenderer() fyne.WidgetRenderer {
	return &meterRenderer{m: m}
}

type meterRenderer struct{ m *LevelMeter }

func (r *meterRenderer) Layout(s fyne.Size) {
	r.m.track.Resize(s)
	r.m.bar.Resize(fyne.NewSize(s.Width*float32(r.m.level), s.Height))
}
func (r *meterRenderer) MinSize() fyne.Size { return fyne.NewSize(120, 8) }
func (r *meterRenderer) Refresh() {
	r.Layout(r.m.Size())
	canvas.Refresh(r.m)
}
func (r *meterRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.m.track, r.m.bar} }
func (r *meterRenderer) Destroy()                     {}
