package soak

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Targets the soak is judged by, after the warm-up.
const (
	TargetRSSPct   = 10  // resident memory grows less than this, %
	TargetFreezeMS = 500 // no gap between pictures longer than this
	FlatGoroutines = 5   // "flat": within this many
	FlatFDs        = 2
)

// Markdown is the report: the command, where and when, a table per
// figure over time, and the growth of each process against the targets.
func (r *Result) Markdown(command string) string {
	var b strings.Builder
	b.WriteString("# Soak\n\n")
	fmt.Fprintf(&b, "`%s` on %s, %s: `confer serve` and %d `confer bot`s (%d×%d at %d fps, %d kbit/s, and the test tone) "+
		"in one call on loopback for %s. Every process writes a report line (`--report-every %s`): goroutines, "+
		"resident memory (VmRSS) and open file descriptors (/proc/self/fd). Growth counts from the first report after %s, "+
		"once every cache and buffer has had time to fill.\n\n",
		command, r.Start.UTC().Format("2006-01-02"), Machine(), len(r.Bots), r.Width, r.Height, r.FPS, r.BitrateKbps,
		r.Duration, r.Every, r.Warmup)
	b.WriteString(r.verdict())
	b.WriteString("\n## Growth after the warm-up\n\n")
	b.WriteString("| process | resident MB | goroutines | open files | CPU |\n|---|---|---|---|---|\n")
	for _, g := range r.Growth() {
		fmt.Fprintf(&b, "| %s | %.1f → %.1f (%+.1f %%) | %d → %d (%+d) | %d → %d (%+d) | %s |\n", g.Name,
			g.From.RSSMB, g.To.RSSMB, g.RSSPct, g.From.Goroutines, g.To.Goroutines, g.Goroutines,
			g.From.FDs, g.To.FDs, g.FDs, r.cpu(g.Name))
	}
	b.WriteString("\n## Over time\n\n")
	b.WriteString(r.table("Resident memory, MB", func(s Sample) string { return fmt.Sprintf("%.1f", s.RSSMB) }))
	b.WriteString(r.table("Goroutines", func(s Sample) string { return fmt.Sprint(s.Goroutines) }))
	b.WriteString(r.table("Open file descriptors", func(s Sample) string { return fmt.Sprint(s.FDs) }))
	b.WriteString(r.table("Go heap live at the last collection, MB", func(s Sample) string { return fmt.Sprintf("%.1f", s.HeapMB) }))
	return b.String()
}

// verdict says, against each target, whether the soak met it.
func (r *Result) verdict() string {
	var b strings.Builder
	worstRSS, gor, fds := 0.0, 0, 0
	for _, g := range r.Growth() {
		worstRSS, gor, fds = max(worstRSS, g.RSSPct), max(gor, abs(g.Goroutines)), max(fds, abs(g.FDs))
	}
	freeze, where := r.Freeze()
	b.WriteString("| target | result |\n|---|---|\n")
	fmt.Fprintf(&b, "| resident memory grows < %d %% | %s: at most %+.1f %% |\n", TargetRSSPct, met(worstRSS < TargetRSSPct), worstRSS)
	fmt.Fprintf(&b, "| goroutines flat (± %d) | %s: at most %d apart |\n", FlatGoroutines, met(gor <= FlatGoroutines), gor)
	fmt.Fprintf(&b, "| open files flat (± %d) | %s: at most %d apart |\n", FlatFDs, met(fds <= FlatFDs), fds)
	fmt.Fprintf(&b, "| no freeze > %d ms | %s: longest %.0f ms%s |\n", TargetFreezeMS, met(freeze <= TargetFreezeMS), freeze, paren(where))
	startMS, startWhere := r.StartFreeze()
	fmt.Fprintf(&b, "| (the whole call, joins included) | longest %.0f ms%s |\n", startMS, paren(startWhere))
	if m := r.Missing(); len(m) > 0 {
		fmt.Fprintf(&b, "| everyone sees and hears everyone | not met: %s |\n", strings.Join(m, "; "))
	}
	return b.String()
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func abs(n int) int { return max(n, -n) }

// cpu is a process's CPU over the call, in % of one core.
func (r *Result) cpu(name string) string {
	secs := r.ServerCPU
	if st := r.Stats[name]; st != nil {
		secs = st.CPUSeconds
	}
	return fmt.Sprintf("%.1f %%", 100*secs/r.Duration.Seconds())
}

// table has a row per report and a column per process.
func (r *Result) table(title string, cell func(Sample) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n\n| at |", title)
	procs := r.processes()
	for _, p := range procs {
		fmt.Fprintf(&b, " %s |", p.Name)
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(procs)) + "\n")
	for slot := r.Every; slot <= r.Duration; slot += r.Every {
		fmt.Fprintf(&b, "| %s |", slot)
		for _, p := range procs {
			s, ok := sampleNear(p.Samples(), slot, r.Every)
			if !ok {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(&b, " %s |", cell(s))
		}
		b.WriteString("\n")
	}
	return b.String() + "\n"
}

// sampleNear is the report made within half an interval of at.
func sampleNear(samples []Sample, at, every time.Duration) (Sample, bool) {
	for _, s := range samples {
		if d := s.At - at; d > -every/2 && d <= every/2 {
			return s, true
		}
	}
	return Sample{}, false
}

// Machine describes where the figures come from.
func Machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, Linux, loopback", model, runtime.NumCPU())
}
