package soak

import (
	"fmt"
	"sort"
	"time"

	"confer/internal/bot"
)

// Growth is how one process changed from the first report after the
// warm-up to the last one while the call was on.
type Growth struct {
	Name         string
	From, To     Sample
	RSSPct       float64 // resident memory, % of From
	Goroutines   int     // To − From
	FDs          int     // To − From
	MaxGoroutine int     // the most seen after the warm-up
	Samples      int     // reports counted
}

// Growth measures every process, the server first. A process with fewer
// than two reports in the window is left out.
func (r *Result) Growth() []Growth {
	var out []Growth
	for _, p := range r.processes() {
		if g, ok := r.growthOf(p); ok {
			out = append(out, g)
		}
	}
	return out
}

func (r *Result) processes() []*Process { return append([]*Process{r.Server}, r.Bots...) }

// window is the reports made during the call, after the warm-up.
func (r *Result) window(p *Process) []Sample {
	var out []Sample
	for _, s := range p.Samples() {
		if s.At >= r.Warmup && s.At <= r.Duration {
			out = append(out, s)
		}
	}
	return out
}

func (r *Result) growthOf(p *Process) (Growth, bool) {
	w := r.window(p)
	if len(w) < 2 {
		return Growth{}, false
	}
	g := Growth{Name: p.Name, From: w[0], To: w[len(w)-1], Samples: len(w)}
	g.Goroutines = g.To.Goroutines - g.From.Goroutines
	g.FDs = g.To.FDs - g.From.FDs
	if g.From.RSSMB > 0 {
		g.RSSPct = 100 * (g.To.RSSMB - g.From.RSSMB) / g.From.RSSMB
	}
	for _, s := range w {
		g.MaxGoroutine = max(g.MaxGoroutine, s.Goroutines)
	}
	return g, true
}

// Freeze is the longest gap between two pictures any bot decoded from any
// other after the warm-up, in ms, and where and when it was. Gaps while
// the bots join (each newcomer renegotiates everyone's connection) are
// not what a soak is about; StartFreeze reports those.
func (r *Result) Freeze() (ms float64, where string) {
	from := r.Start.Add(r.Warmup).UnixMilli()
	r.eachRemote(func(name, remote string, rs *bot.RemoteStats) {
		for _, f := range rs.Freezes {
			if d := float64(f.ToUnixMS - f.FromUnixMS); f.FromUnixMS >= from && d > ms {
				ms, where = d, fmt.Sprintf("%s watching %s, at %s", name, remote, r.since(f.FromUnixMS))
			}
		}
	})
	return ms, where
}

// StartFreeze is the longest gap over the whole call, warm-up included.
func (r *Result) StartFreeze() (ms float64, where string) {
	r.eachRemote(func(name, remote string, rs *bot.RemoteStats) {
		if rs.LongestFreezeMS > ms {
			ms, where = rs.LongestFreezeMS, fmt.Sprintf("%s watching %s", name, remote)
		}
	})
	return ms, where
}

// eachRemote calls fn for every bot's view of every other, in order.
func (r *Result) eachRemote(fn func(name, remote string, rs *bot.RemoteStats)) {
	for _, b := range r.Bots {
		st := r.Stats[b.Name]
		if st == nil {
			continue
		}
		remotes := make([]string, 0, len(st.Remotes))
		for n := range st.Remotes {
			remotes = append(remotes, n)
		}
		sort.Strings(remotes)
		for _, n := range remotes {
			fn(b.Name, n, st.Remotes[n])
		}
	}
}

// since is how far into the call a moment was, to the second.
func (r *Result) since(unixMS int64) time.Duration {
	return time.UnixMilli(unixMS).Sub(r.Start).Round(time.Second)
}

// Missing lists what a bot did not get: each must have decoded video and
// audio from every other bot.
func (r *Result) Missing() []string {
	var out []string
	for _, b := range r.Bots {
		st := r.Stats[b.Name]
		for _, other := range r.Bots {
			if other == b {
				continue
			}
			rs := st.Remotes[other.Name]
			if rs == nil || rs.FramesDecoded == 0 || rs.AudioFramesDecoded == 0 {
				out = append(out, fmt.Sprintf("%s got nothing from %s", b.Name, other.Name))
			}
		}
	}
	return out
}
