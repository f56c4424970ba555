package load

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Report is what a load run saw.
type Report struct {
	Publishers, Subscribers int
	Joined, Failed          int
	FirstError              string
	Held                    time.Duration
	// JoinMS is join start → connected, FirstFrameMS join start → the
	// first frame of each stream a subscriber receives (p50, p95).
	JoinMS, FirstFrameMS [2]float64
	// Streams received; how many never showed a frame; freezes over
	// 200 ms and the longest, over all streams after their first frame.
	Streams, Silent int
	Freezes         int
	LongestFreezeMS float64
	// PacketsPerSecond is the video packets all subscribers received
	// per second while everyone was in: what the server forwarded.
	PacketsPerSecond float64
	// CPUPerParticipant is this process's CPU (encoding once, receiving
	// for everyone) per participant, in % of one core.
	CPUPerParticipant float64
}

func report(members []*member, held, cpu, all time.Duration) *Report {
	r := &Report{Held: held}
	var joins, firsts []float64
	for _, m := range members {
		if m.publish {
			r.Publishers++
		} else {
			r.Subscribers++
		}
		if m.err != nil {
			r.Failed++
			if r.FirstError == "" {
				r.FirstError = m.err.Error()
			}
			continue
		}
		r.Joined++
		joins = append(joins, ms(m.joined))
		m.mu.Lock()
		for _, s := range m.streams {
			r.Streams++
			if s.frames == 0 {
				r.Silent++
				continue
			}
			firsts = append(firsts, ms(s.first))
			r.Freezes += s.freezes
			r.LongestFreezeMS = max(r.LongestFreezeMS, ms(s.longest))
		}
		m.mu.Unlock()
	}
	r.JoinMS, r.FirstFrameMS = percentiles(joins), percentiles(firsts)
	if n := len(members); n > 0 && all > 0 {
		r.CPUPerParticipant = 100 * cpu.Seconds() / all.Seconds() / float64(n)
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func percentiles(xs []float64) [2]float64 {
	if len(xs) == 0 {
		return [2]float64{}
	}
	slices.Sort(xs)
	at := func(q float64) float64 { return xs[min(len(xs)-1, int(q*float64(len(xs))))] }
	return [2]float64{at(0.5), at(0.95)}
}

// Print writes the report for a person.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "joined %d of %d (%d publishers, %d subscribers) in %.0f ms p50, %.0f ms p95\n",
		r.Joined, r.Joined+r.Failed, r.Publishers, r.Subscribers, r.JoinMS[0], r.JoinMS[1])
	if r.FirstError != "" {
		fmt.Fprintf(w, "first failure: %s\n", r.FirstError)
	}
	fmt.Fprintf(w, "streams received %d, without a frame %d; first frame %.0f ms p50, %.0f ms p95 after joining\n",
		r.Streams, r.Silent, r.FirstFrameMS[0], r.FirstFrameMS[1])
	fmt.Fprintf(w, "freezes over 200 ms: %d, longest %.0f ms; held %v\n", r.Freezes, r.LongestFreezeMS, r.Held.Round(time.Second))
	fmt.Fprintf(w, "video packets forwarded to the subscribers: %.0f/s; this process: %.1f %% of a core per participant\n",
		r.PacketsPerSecond, r.CPUPerParticipant)
}
