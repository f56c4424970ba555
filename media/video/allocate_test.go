package video

import (
	"testing"
	"time"
)

// A 720p camera (1500 kbit/s) with a 320-wide layer (250 kbit/s), as the
// estimate falls from plenty to a trickle and comes back.
func TestACameraGivesUpResolutionBeforeMotion(t *testing.T) {
	nominal := []int{1500, 250}
	steps := []struct {
		total      int
		fullActive bool
		fullKbps   int
		halve      bool
		smallKbps  int
	}{
		{3000, true, 1500, false, 250}, // plenty: as configured
		{1200, true, 950, false, 250},  // the full layer takes what is left
		{800, true, 550, true, 250},    // thin: half the size, same motion
		{1000, true, 750, true, 250},   // a little better: not yet back (hysteresis)
		{1200, true, 950, false, 250},  // clearly better: full size again
		{500, false, 0, false, 250},    // too thin for it: the small layer serves
		{600, false, 0, false, 250},    // not enough to resume
		{700, true, 450, true, 250},    // resumes, at half size
		{200, false, 0, false, 200},    // a trickle: all of it to the small layer
	}
	var prev []plan
	now := time.Unix(1000, 0)
	for _, s := range steps {
		p := allocate(s.total, nominal, true, prev, now)
		p = allocate(s.total, nominal, true, p, now.Add(settle)) // held long enough to settle
		now = now.Add(settle + time.Second)
		full, small := p[0], p[1]
		if full.active != s.fullActive || full.kbps != s.fullKbps || full.halve != s.halve || small.kbps != s.smallKbps {
			t.Errorf("at %d kbit/s: full %+v small %+v; want full active=%v %d kbit/s halve=%v, small %d",
				s.total, full, small, s.fullActive, s.fullKbps, s.halve, s.smallKbps)
		}
		prev = p
	}
}

// With no smaller layer, the only encoding never stops.
func TestASingleLayerNeverStops(t *testing.T) {
	p := allocate(100, []int{2500}, true, nil, time.Now())
	if !p[0].active || p[0].kbps != 100 {
		t.Fatalf("single layer at 100 kbit/s: %+v", p[0])
	}
}

func TestAScreenGivesUpFrameRate(t *testing.T) {
	for _, c := range []struct{ kbps, fps int }{{2500, 15}, {1250, 15}, {625, 7}, {100, 3}} {
		if got := screenFPS(c.kbps, 2500, 15); got != c.fps {
			t.Errorf("screen at %d of 2500 kbit/s: %d fps, want %d", c.kbps, got, c.fps)
		}
	}
}

// Three layers (720p, 360p, 180p): the middle one stops before the small
// one, after the full one. The full one stops where it would have halved:
// the middle one is of half its size.
func TestThreeLayersStopFromTheTop(t *testing.T) {
	nominal := []int{1500, 600, 150}
	var prev []plan
	now := time.Unix(1000, 0)
	for _, c := range []struct {
		total                  int
		full, mid              bool
		fullKbps, midKbps, low int
	}{
		{3000, true, true, 1500, 600, 150},
		{1700, true, true, 950, 600, 150},
		{1200, false, true, 0, 600, 150}, // 450 of 1500: the 640 layer serves
		{1500, false, true, 0, 600, 150}, // 750: not yet back (hysteresis)
		{1600, true, true, 850, 600, 150},
		{700, false, true, 0, 550, 150},
		{250, false, false, 0, 0, 150},
	} {
		p := allocate(c.total, nominal, false, prev, now)
		p = allocate(c.total, nominal, false, p, now.Add(settle))
		now = now.Add(settle + time.Second)
		if p[0].active != c.full || p[1].active != c.mid || p[0].kbps != c.fullKbps || p[1].kbps != c.midKbps || p[2].kbps != c.low || p[1].halve {
			t.Errorf("at %d kbit/s: %+v", c.total, p)
		}
		prev = p
	}
}

// A dip of the estimate lowers the bitrates at once but stops no layer
// that it leaves a thin share: stopping would cost every receiver a
// keyframe's wait, and a short dip would not be worth it.
func TestAShortDipStopsNoLayer(t *testing.T) {
	nominal := []int{1500, 600, 150}
	now := time.Unix(1000, 0)
	p := allocate(3000, nominal, false, nil, now)
	p = allocate(1200, nominal, false, p, now.Add(100*time.Millisecond))
	p = allocate(1200, nominal, false, p, now.Add(1500*time.Millisecond))
	if !p[0].active || p[0].kbps != 450 {
		t.Fatalf("during the dip the full layer is %+v; want on at what is left", p[0])
	}
	p = allocate(3000, nominal, false, p, now.Add(1600*time.Millisecond))
	if !p[0].active || !p[0].pending.IsZero() || p[0].kbps != 1500 {
		t.Fatalf("after the dip: %+v", p[0])
	}
	p = allocate(1200, nominal, false, p, now.Add(3*time.Second))
	p = allocate(1200, nominal, false, p, now.Add(3*time.Second+settle))
	if p[0].active {
		t.Fatalf("a lasting drop kept the full layer: %+v", p[0])
	}
}

// A layer left under a tenth of its rate stops at once: its encoder would
// drop most frames, and its receivers would see a still picture until it
// stopped.
func TestTooLittleToEncodeStopsALayerAtOnce(t *testing.T) {
	nominal := []int{1500, 600, 150}
	now := time.Unix(1000, 0)
	for _, total := range []int{800, 880} { // 50 and 130 kbit/s left
		p := allocate(3000, nominal, false, nil, now)
		p = allocate(total, nominal, false, p, now.Add(100*time.Millisecond))
		if p[0].active || !p[1].active || !p[2].active {
			t.Fatalf("with %d kbit/s left for the full layer: %+v", total-750, p)
		}
	}
}
