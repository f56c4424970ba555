package jitter

import (
	"math/rand"
	"slices"
	"testing"
	"time"
)

// Perfectly regular arrivals: no delay at all.
func TestPlayoutRegularAddsNothing(t *testing.T) {
	p := NewPlayout(PlayoutConfig{})
	ts := uint32(0xFFFFFFFF - 50*3000) // wraps on the way
	for i := range 600 {
		ready := t0.Add(20*time.Millisecond + time.Duration(i)*time.Second/30)
		if got := p.Release(ts, ready); !got.Equal(ready) {
			t.Fatalf("frame %d: release %v after ready", i, got.Sub(ready))
		}
		ts += 3000
	}
	if p.Delay() != 0 {
		t.Fatalf("delay %v", p.Delay())
	}
}

// ±20 ms arrival jitter: releases evenly spaced.
func TestPlayoutSmoothsJitter(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	p := NewPlayout(PlayoutConfig{})
	var arrive, release []time.Time
	for i := range 1800 {
		nominal := t0.Add(50*time.Millisecond + time.Duration(i)*time.Second/30)
		ready := nominal.Add(time.Duration(rng.Int63n(int64(40*time.Millisecond))) - 20*time.Millisecond)
		r := p.Release(uint32(i*3000), ready)
		if r.Before(ready) {
			t.Fatalf("frame %d released before it was ready", i)
		}
		arrive, release = append(arrive, ready), append(release, r)
	}
	const warm = 150 // one window
	a, r := intervalDev(arrive[warm:]), intervalDev(release[warm:])
	t.Logf("interval deviation from 33.3 ms: arrivals p95 %v max %v, releases p95 %v max %v; delay %v",
		a[0].Round(time.Millisecond/10), a[1].Round(time.Millisecond/10),
		r[0].Round(time.Millisecond/10), r[1].Round(time.Millisecond/10), p.Delay().Round(time.Millisecond))
	if r[0] > 2*time.Millisecond || r[0] > a[0]/10 || p.Delay() > 45*time.Millisecond {
		t.Fatalf("releases not smooth: p95 deviation %v (arrivals %v), delay %v", r[0], a[0], p.Delay())
	}
}

// intervalDev returns the p95 and max of |interval − 1/30 s|.
func intervalDev(ts []time.Time) [2]time.Duration {
	var d []time.Duration
	for i := 1; i < len(ts); i++ {
		x := ts[i].Sub(ts[i-1]) - time.Second/30
		d = append(d, max(x, -x))
	}
	slices.Sort(d)
	return [2]time.Duration{d[len(d)*95/100], d[len(d)-1]}
}

// A late frame goes at once; the delay is capped; calm brings it back to
// zero; a timestamp jump starts over.
func TestPlayoutLateCapAndCalm(t *testing.T) {
	p := NewPlayout(PlayoutConfig{})
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Second / 30) }
	for i := range 100 {
		late := time.Duration(0)
		if i%10 == 5 {
			late = 400 * time.Millisecond
		}
		ready := at(i).Add(late)
		r := p.Release(uint32(i*3000), ready)
		if late > 0 && !r.Equal(ready) {
			t.Fatalf("late frame %d held %v", i, r.Sub(ready))
		}
	}
	if p.Delay() != 150*time.Millisecond {
		t.Fatalf("delay %v, want the 150 ms cap", p.Delay())
	}
	for i := 100; i < 1000; i++ {
		p.Release(uint32(i*3000), at(i))
	}
	if p.Delay() != 0 {
		t.Fatalf("delay %v after 30 calm seconds", p.Delay())
	}
	jump := at(1000).Add(10 * time.Millisecond)
	if r := p.Release(123, jump); !r.Equal(jump) {
		t.Fatalf("after a timestamp jump: held %v", r.Sub(jump))
	}
}
