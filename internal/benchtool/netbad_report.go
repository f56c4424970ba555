package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"confer/internal/netlab"
)

// netbadFigures is the "Bad networks" section's content.
type netbadFigures struct {
	err              string // why there are no figures
	browserErr       string // why Chromium did not run beside Confer
	chromium, client string // versions, when the browser ran
	seconds          int
	results          []netResult
}

func (n netbadFigures) markdown(date, machine string) string {
	var b strings.Builder
	b.WriteString("## Bad networks\n\n")
	if n.err != "" {
		fmt.Fprintf(&b, "Not measured in this run: %s.\n\n", n.err)
		return b.String()
	}
	if len(n.results) == 0 {
		return ""
	}
	b.WriteString(n.intro(date, machine))
	if n.browserErr != "" {
		fmt.Fprintf(&b, "Chromium was not run: %s.\n\n", n.browserErr)
	}
	for _, fam := range families {
		var rows []netResult
		for _, r := range n.results {
			if r.cond.family == fam.name {
				rows = append(rows, r)
			}
		}
		if len(rows) > 0 {
			fmt.Fprintf(&b, "### %s\n\n%s\n\n", fam.title, fam.what)
			b.WriteString(netTable(rows))
			b.WriteString("\n")
		}
	}
	b.WriteString(netbadNotes)
	return b.String()
}

func (n netbadFigures) intro(date, machine string) string {
	browser := "Chromium with livekit-client"
	if n.chromium != "" {
		browser = fmt.Sprintf("headless %s with %s", n.chromium, n.client)
	}
	return fmt.Sprintf("Measured by `make bench` (`-only netbad`) on %s, %s. "+
		"A participant sits behind a link to `confer serve`: a network namespace joined to the server's by a veth pair "+
		"(MTU 1500, no delay of its own), made worse by iptables' random drops where the packets arrive, a token-bucket "+
		"cap (tbf) where they leave, or the link set down. Under each condition a Confer bot and then %s "+
		"(`%s/`, run inside the namespace) take the same role, one after the other, with the same lab settings, "+
		"%d s each. Senders publish %d×%d at %d fps with at most %d kbit/s and simulcast layers 640 and 320 pixels wide, and a tone; "+
		"the Chromium page draws Confer's test pattern and time strip on a canvas (`canvas.captureStream`). "+
		"The camera a receiver gets comes from a Confer bot beside the server; what a sender sends is measured by a "+
		"Confer bot beside the server. With `-keep` the work directory keeps each Confer run's stats "+
		"(`netbad-N-subject.json`: freezes, layers each second, keyframe requests) and log (`netbad-N-subject.log`, at "+
		"`CONFER_LOG`'s level: at debug it names each keyframe request and size change), and the server's log "+
		"(at `CONFER_BENCH_SERVE_LOG`'s level).\n\n",
		date, strings.TrimSuffix(machine, ", loopback"), browser, browserDir, n.seconds, netbadWidth, netbadHeight, netbadFPS, netbadKbps)
}

const netbadNotes = "Columns: **fps** decoded (Confer: frames out of the decoder over first to last frame; Chromium: " +
	"`getVideoPlaybackQuality()` over the same span); **freezes** are gaps over 200 ms between frames (Chromium: between " +
	"frames handed to the compositor, `requestVideoFrameCallback`); **latency** is capture → decoded read from the " +
	"time strip (Chromium: capture → handed to the compositor, which adds its render queue); **audio concealed** is the " +
	"share of audio made up by loss concealment (Chromium: `concealedSamples / totalSamplesReceived`); **kbit/s** is " +
	"the video received; **layers** are the widths received, in order; **NACKs / RTX** are retransmission requests sent " +
	"and retransmissions received; **transport** is the media's (Confer: whether a TCP connection to the server's " +
	"ICE-TCP port was open in the namespace; Chromium: the selected candidate pair's local protocol); the **sender's " +
	"estimate** is the sender's own estimate of its uplink (Confer: its congestion controller's last; Chromium: " +
	"`availableOutgoingBitrate`, and its encoder's `qualityLimitationReason` when not none). Under a cap, **fits after** is how long from the first second with media until every " +
	"second fitted: no drop at the cap's queue and no standing queue (over half of it, 125 ms, at the start and the end of " +
	"the second; a burst that drains is how a sender probes), read from tbf's counters once a second. \"—\" is a figure that client does not report.\n\n"

// netTable renders one family's runs: the columns every run has, then the
// family's own.
func netTable(rows []netResult) string {
	var b strings.Builder
	fam, ro := rows[0].cond.family, rows[0].cond.role
	head := []string{"condition", "client", "fps", "freezes", "longest freeze", "latency p50 / p95",
		"audio concealed", "kbit/s", "layers", "NACKs / RTX", "transport"}
	if ro == sending {
		head = append(head, "sender's estimate")
	}
	switch fam {
	case "up-cap", "down-cap":
		head = append(head, "fits after")
	case "outage":
		head = append(head, "video back")
	}
	b.WriteString("| " + strings.Join(head, " | ") + " |\n")
	b.WriteString(strings.Repeat("|---", len(head)) + "|\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(netRow(r, len(head)), " | ") + " |\n")
	}
	return b.String()
}

func netRow(r netResult, columns int) []string {
	row := []string{r.cond.name, r.client}
	if r.err != "" {
		row = append(row, "failed: "+strings.ReplaceAll(r.err, "|", "/"))
		for len(row) < columns {
			row = append(row, "")
		}
		return row
	}
	row = append(row,
		num(r.fps, "%.1f"), num(r.freezes, "%.0f"), num(r.longestMS, "%.0f ms"),
		pair(r.latencyP50, r.latencyP95, "%.0f / %.0f ms"), num(r.concealedPct, "%.1f %%"),
		num(r.kbps, "%.0f"), dash(r.layers), pair(r.nacks, r.rtx, "%.0f / %.0f"), dash(r.transport))
	if r.cond.role == sending {
		est := num(r.estimateKbps, "%.0f kbit/s")
		if r.limitation != "" {
			est += " (" + r.limitation + "-limited)"
		}
		row = append(row, est)
	}
	switch {
	case r.cond.capKbps > 0:
		row = append(row, fitText(r.fit))
	case r.cond.outage > 0:
		row = append(row, dash(r.outage))
	}
	return row
}

// fitText is a cap's verdict in a cell.
func fitText(f *netlab.CapFit) string {
	switch {
	case f == nil || f.MediaStart < 0:
		return "—"
	case f.Settled < 0:
		return fmt.Sprintf("never (%d dropped, up to %.0f kB queued)", f.DroppedAfter, float64(f.MaxBacklogAfter)/1000)
	}
	return fmt.Sprintf("%.0f s", f.FitsAfter.Round(time.Second).Seconds())
}

func num(v float64, format string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf(format, v)
}

func pair(a, b float64, format string) string {
	if math.IsNaN(a) || math.IsNaN(b) {
		return "—"
	}
	return fmt.Sprintf(format, a, b)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
