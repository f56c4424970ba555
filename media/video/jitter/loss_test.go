package jitter

import (
	"fmt"
	"testing"
	"time"
)

// Random loss, each lost packet retransmitted once 40–80 ms later (the
// retransmission lost with the same probability), PLIs answered by a
// keyframe. Figures are logged; the bounds only guard against regressions
// (the runs are seeded, so they are deterministic).
func TestRandomLoss(t *testing.T) {
	type row struct {
		name     string
		picIDs   bool
		layers   int
		loss     float64
		repeat   bool // pion's NACK ticker, asking again until it arrives
		baseline bool // today's assembler
		nonRef   time.Duration
		alone    bool          // without SetPlayoutDelay
		jitter   time.Duration // per packet (reordering)
		frameJit time.Duration
		minFPS   float64 // frames out per second, lower bound
	}
	rows := []row{
		{name: "today 10%", picIDs: true, layers: 1, loss: 0.10, baseline: true},
		{name: "pid 10%", picIDs: true, layers: 1, loss: 0.10, minFPS: 26},
		{name: "seq-only 10%", layers: 1, loss: 0.10, minFPS: 26},
		{name: "temporal 10%", picIDs: true, layers: 2, loss: 0.10, minFPS: 26},
		{name: "temporal 10% uncoupled", picIDs: true, layers: 2, loss: 0.10, alone: true, minFPS: 24},
		{name: "temporal 10% full wait", picIDs: true, layers: 2, loss: 0.10, nonRef: -1, minFPS: 27},
		{name: "pid 10% pion NACK", picIDs: true, layers: 1, loss: 0.10, repeat: true, minFPS: 28},
		{name: "temporal 10% pion NACK", picIDs: true, layers: 2, loss: 0.10, repeat: true, minFPS: 28},
		{name: "pid 10% jitter 0-40ms", picIDs: true, layers: 1, loss: 0.10, frameJit: 40 * time.Millisecond, minFPS: 25},
		{name: "pid 10% reorder 0-30ms", picIDs: true, layers: 1, loss: 0.10, jitter: 30 * time.Millisecond, minFPS: 25},
		{name: "clean, jitter 0-40ms", picIDs: true, layers: 1, frameJit: 40 * time.Millisecond, minFPS: 29.9},
		{name: "today 30%", picIDs: true, layers: 1, loss: 0.30, baseline: true},
		{name: "pid 30%", picIDs: true, layers: 1, loss: 0.30, minFPS: 7},
		{name: "temporal 30%", picIDs: true, layers: 2, loss: 0.30, minFPS: 9},
		{name: "pid 30% pion NACK", picIDs: true, layers: 1, loss: 0.30, repeat: true, minFPS: 24},
	}
	const seconds = 60
	seeds := []int64{1, 2, 3}
	for _, r := range rows {
		var fps, plis, breaks, gap float64
		var res simResult
		for _, seed := range seeds {
			res = netSim{
				picIDs: r.picIDs, layers: r.layers, loss: r.loss, repeat: r.repeat,
				rtt: [2]time.Duration{40 * time.Millisecond, 80 * time.Millisecond}, oneWay: 20 * time.Millisecond,
				frames: 30 * seconds, seed: seed, baseline: r.baseline, coupled: !r.alone, jitterMax: r.jitter, frameJit: r.frameJit,
				cfg: Config{NonRefWait: r.nonRef},
			}.run(t)
			fps += float64(res.out) / seconds / float64(len(seeds))
			plis += float64(res.keysNeeded) / seconds / float64(len(seeds))
			breaks += float64(res.stats.KeyframesNeeded) / seconds / float64(len(seeds))
			gap = max(gap, float64(res.longestGap)/float64(time.Millisecond))
		}
		t.Logf("%-24s %4.1f fps of 30 | keyframe needed %.2f/s, PLI %.2f/s | longest gap %4.0f ms | seed 3: capture→out p50 %3v p95 %3v, render dev p95 %2v, playout +%3v, budget %v",
			r.name, fps, breaks, plis, gap, res.latP50.Round(time.Millisecond), res.latP95.Round(time.Millisecond),
			res.renderJitter.Round(time.Millisecond), res.playoutDelay.Round(time.Millisecond),
			res.stats.WaitBudget.Round(time.Millisecond))
		if fps < r.minFPS {
			t.Errorf("%s: %.1f fps, want at least %.0f", r.name, fps, r.minFPS)
		}
	}
}

// With temporal layers, TL1 frames lost for good are skipped and cost no
// keyframe: only lost TL0 packets do.
func TestLossOnlyUpperLayer(t *testing.T) {
	for _, seed := range []int64{1, 2} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			h := newHarness(t, Config{})
			s := newSender(seed, true, 2)
			frames := makeFrames(h, s, 300)
			hit := map[int]bool{}
			h.sendAll(frames, t0, func(f, p int) bool {
				drop := frames[f].tid == 1 && (f*7+p*3+int(seed))%5 == 0
				if drop {
					hit[f] = true
				}
				return drop
			})
			lost := len(hit) // each costs itself, a sync TL1 also its Y=0 successor
			h.advance(sendTime(t0, 400, 0))
			st := h.b.Stats()
			if st.KeyframesNeeded != 0 || h.b.NeedKeyframe() || st.FramesOut < 300-2*lost {
				t.Fatalf("%d TL1 frames hit: stats %+v", lost, st)
			}
			t.Logf("%d TL1 frames hit, %d frames out of 300", lost, st.FramesOut)
		})
	}
}
