package netlab

import (
	"cmp"
	"fmt"
	"strings"
	"sync"
	"time"
)

// CapSample is a cap's counters at one moment.
type CapSample struct {
	At time.Time
	CapStats
}

// WatchCap reads dir's cap counters every period (and once at once) until
// the returned stop is called. stop returns the samples, and an error
// saying how many reads failed, and the first failure, if any did.
func (l *Lab) WatchCap(dir Direction, period time.Duration) (stop func() ([]CapSample, error)) {
	var (
		mu       sync.Mutex
		samples  []CapSample
		failed   int
		firstErr error
	)
	read := func() {
		st, err := l.CapStats(dir)
		at := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failed++
			firstErr = cmp.Or(firstErr, err)
			return
		}
		samples = append(samples, CapSample{At: at, CapStats: st})
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		// A timer set after each read, not a ticker: a slow read must
		// not be followed at once by another.
		for read(); ; read() {
			select {
			case <-done:
				return
			case <-time.After(period):
			}
		}
	}()
	var once sync.Once
	return func() ([]CapSample, error) {
		once.Do(func() { close(done); <-finished })
		mu.Lock()
		defer mu.Unlock()
		if failed > 0 {
			return samples, fmt.Errorf("netlab: %d of %d reads of the %s's cap failed, the first: %w",
				failed, failed+len(samples), dir, firstErr)
		}
		if len(samples) < 2 {
			return samples, fmt.Errorf("netlab: only %d sample of the %s's cap", len(samples), dir)
		}
		return samples, nil
	}
}

// CapFit tells how soon what was sent into a cap fitted under it, judged
// from the queue: a second fits when the queue dropped nothing in it and
// did not stand over half its size (CapQueue/2 at the rate) at both its
// start and its end. Sending more than the cap shows as a standing queue,
// then drops; a passing burst (a keyframe, a probe for more bandwidth)
// drains within the second and is how a sender finds the link's rate. The
// rate that gets through is the cap whatever is offered, so it tells
// nothing by itself. A lone second that dropped a packet or two between
// seconds that fit is a burst that overflowed the queue (a keyframe asked
// for by a receiver), not a sender above the link's rate: NACK repairs it
// and it does not count. A sender that offers more than the cap drops in
// second after second.
type CapFit struct {
	// MediaStart is the index of the first sample that ends a second which
	// carried a quarter of the cap or more (signalling alone carries far
	// less); -1 when none did.
	MediaStart int
	// Settled is the index of the first sample from which every second fits
	// to the end; -1 when the last seconds still did not fit.
	Settled int
	// FitsAfter is from the start of the first second with media to the
	// end of the last that did not fit: 0 when all fitted.
	FitsAfter time.Duration
	// DroppedAfter counts the packets dropped from Settled (or, when it
	// never settled, from MediaStart) to the end.
	DroppedAfter int64
	// MaxBacklogAfter is the largest backlog from there, bytes.
	MaxBacklogAfter int64
}

// settleSeconds is how many fitting seconds at the end make a run settled:
// one quiet second could be luck.
const settleSeconds = 3

// loneBurstDrops is the most a lone second may drop and still count as a
// passing burst.
const loneBurstDrops = 2

// FitUnderCap finds how soon what was sent fitted under a cap of kbps, from
// samples taken once a second or so.
func FitUnderCap(samples []CapSample, kbps int) CapFit {
	f := CapFit{MediaStart: -1, Settled: -1}
	mediaBytes := int64(kbps) * 1000 / 8 / 4
	for i := 1; i < len(samples); i++ {
		secs := samples[i].At.Sub(samples[i-1].At).Seconds()
		if float64(samples[i].SentBytes-samples[i-1].SentBytes) >= float64(mediaBytes)*secs {
			f.MediaStart = i
			break
		}
	}
	if f.MediaStart < 0 {
		return f
	}
	half := int64(CapQueueBytes(kbps) / 2)
	// over reports whether the second ending at sample i did not fit.
	standing := func(i int) bool { return samples[i].BacklogBytes > half && samples[i-1].BacklogBytes > half }
	dropped := func(i int) int64 { return samples[i].Dropped - samples[i-1].Dropped }
	over := func(i int) bool { return dropped(i) > 0 || standing(i) }
	lone := func(i int) bool {
		return !standing(i) && dropped(i) <= loneBurstDrops && i+1 < len(samples) && !over(i+1) && !over(i-1)
	}
	settled := len(samples)
	for i := len(samples) - 1; i >= f.MediaStart; i-- {
		if over(i) && (i == f.MediaStart || !lone(i)) {
			break
		}
		settled = i
	}
	from := f.MediaStart
	if len(samples)-settled >= settleSeconds {
		f.Settled, from = settled, settled
		// From the start of the first second with media to the end of the
		// last that did not fit.
		f.FitsAfter = samples[settled-1].At.Sub(samples[f.MediaStart-1].At)
	}
	last := samples[len(samples)-1]
	f.DroppedAfter = last.Dropped - samples[from].Dropped
	for _, s := range samples[from:] {
		f.MaxBacklogAfter = max(f.MaxBacklogAfter, s.BacklogBytes)
	}
	return f
}

func (f CapFit) String() string {
	switch {
	case f.MediaStart < 0:
		return "no media crossed the cap"
	case f.Settled < 0:
		return fmt.Sprintf("never fitted: %d packets dropped after media started, backlog up to %d B", f.DroppedAfter, f.MaxBacklogAfter)
	}
	return fmt.Sprintf("fitted %v after media started (no drops after, backlog up to %d B)", f.FitsAfter.Round(100*time.Millisecond), f.MaxBacklogAfter)
}

// FormatCapSamples lists samples as per-second rates, one line each, for
// logs.
func FormatCapSamples(samples []CapSample) string {
	var b strings.Builder
	for i := 1; i < len(samples); i++ {
		p, s := samples[i-1], samples[i]
		fmt.Fprintf(&b, "%5.1f s: %4.0f kbit/s sent, %3d dropped, backlog %5d B\n",
			s.At.Sub(samples[0].At).Seconds(), sentKbps(p, s), s.Dropped-p.Dropped, s.BacklogBytes)
	}
	return b.String()
}

// sentKbps is the rate through the cap between two samples.
func sentKbps(a, b CapSample) float64 {
	secs := b.At.Sub(a.At).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(b.SentBytes-a.SentBytes) * 8 / 1000 / secs
}
