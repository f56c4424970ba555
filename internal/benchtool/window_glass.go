package main

import (
	"slices"
	"time"

	"confer/internal/xvfb"
	"confer/ui"
)

// glassSeconds is how long the display is watched for glass to glass.
const glassSeconds = 8

// glassFigures are capture → on the display, read back from what the
// display shows: every new picture of every tile, p50 and p95.
type glassFigures struct {
	p50, p95 time.Duration
	pictures int           // new pictures seen on the display
	painter  time.Duration // capture → handed to the painter, the tiles' p50s' median
}

// glassToGlass watches the display's framebuffer for d and notes, for each
// tile showing video, every new picture that appears there and how long
// after its capture: the synthetic camera's time strip, read from the
// screen's pixels. The screen is read about once a millisecond, and the
// strip carries whole milliseconds, so each figure is up to about 2 ms
// late, 1 ms on average.
func glassToGlass(fb *xvfb.Framebuffer, st ui.State, d time.Duration) glassFigures {
	var pics []picRect
	var painter []time.Duration
	for _, t := range st.Tiles {
		if t.ShowsVideo && t.Picture[2] > 0 && t.Picture[3] > 0 {
			pics = append(pics, pictureIn(t))
			painter = append(painter, time.Duration(t.ShownP50MS*float64(time.Millisecond)))
		}
	}
	var lags []time.Duration
	last := make([]time.Time, len(pics))
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(time.Millisecond) {
		now := time.Now()
		for i, p := range pics {
			at, ok := fb.ReadTime(p.x, p.y, p.w, p.h, now)
			if ok && !at.Equal(last[i]) {
				last[i] = at
				lags = append(lags, now.Sub(at))
			}
		}
	}
	g := glassFigures{pictures: len(lags), painter: median(painter)}
	if len(lags) > 0 {
		slices.Sort(lags)
		g.p50, g.p95 = lags[(len(lags)-1)/2], lags[(len(lags)-1)*95/100]
	}
	return g
}

// picRect is where a tile's picture is on the screen.
type picRect struct{ x, y, w, h int }

// pictureIn is where the window says a tile's picture is. The window sits
// at the screen's top-left corner: there is no window manager on the
// display.
func pictureIn(t ui.TileState) picRect {
	return picRect{x: t.Picture[0], y: t.Picture[1], w: t.Picture[2], h: t.Picture[3]}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
