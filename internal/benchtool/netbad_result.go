package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"confer/internal/netlab"
)

// none marks a figure this run could not measure; the tables print "—".
var none = math.NaN()

// netResult is one client's run under one condition.
type netResult struct {
	cond   condition
	client string
	err    string // why the run has no figures

	// What the receiving side decoded from the sender: the client itself
	// when it receives, the Confer bot beside the server when it sends.
	fps, freezes, longestMS float64
	latencyP50, latencyP95  float64
	concealedPct            float64 // audio
	kbps                    float64 // video received
	layers                  string  // widths received, in order: "1280 → 320"
	nacks, rtx              float64 // NACKs sent, retransmissions received
	// The client's own side.
	transport    string  // of its media: udp or tcp
	estimateKbps float64 // its estimate of its uplink, when it sends
	limitation   string  // what held its encoder back (Chromium: cpu, bandwidth)
	// Per family.
	fit    *netlab.CapFit // caps: how soon the sent rate fitted
	outage string         // outages: when the video came back, or how the call ended
}

func newResult(c condition, client string) netResult {
	return netResult{cond: c, client: client, fps: none, freezes: none, longestMS: none,
		latencyP50: none, latencyP95: none, concealedPct: none, kbps: none,
		nacks: none, rtx: none, estimateKbps: none}
}

// botStatsJSON is the part of `confer bot --stats` this part reads. It is
// decoded here rather than through bot.Stats so that a figure the bot does
// not write (yet) reads as absent, "—" in the tables, and not as zero.
type botStatsJSON struct {
	Joined  bool   `json:"joined"`
	End     string `json:"end"`
	Error   string `json:"error"`
	Remotes map[string]*botRemoteJSON
	Events  []struct {
		UnixMS int64  `json:"unix_ms"`
		Kind   string `json:"kind"`
		Detail string `json:"detail"`
	} `json:"events"`
	Uplink *struct {
		MinKbps  float64 `json:"min_kbps"`
		LastKbps float64 `json:"last_kbps"`
	} `json:"uplink"`
}

type botRemoteJSON struct {
	FramesDecoded  int     `json:"frames_decoded"`
	FPS            float64 `json:"fps"`
	VideoLatencyMS struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"video_latency_ms"`
	Width           int      `json:"width"`
	BitrateKbps     float64  `json:"bitrate_kbps"`
	LongestFreezeMS float64  `json:"longest_freeze_ms"`
	Freezes         []span   `json:"freezes"`
	Packets         *int     `json:"packets"` // present when the pipeline's counters are
	PacketsNACKed   *int     `json:"packets_nacked"`
	Retransmissions *int     `json:"retransmissions_received"`
	ConcealedPct    *float64 `json:"audio_concealed_pct"`
	Timeline        []struct {
		Width int `json:"width"`
	} `json:"timeline"`
}

// span is a freeze: from the last frame before it to the first after.
type span struct {
	From int64 `json:"from_unix_ms"`
	To   int64 `json:"to_unix_ms"`
}

func readBotStats(path string) (*botStatsJSON, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st botStatsJSON
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &st, nil
}

// freezeGapMS is the gap between frames the tables count as a freeze.
const freezeGapMS = 200

// fromBot fills the received figures from what a Confer bot decoded.
func (r *netResult) fromBot(rs *botRemoteJSON) {
	r.fps, r.longestMS, r.kbps = rs.FPS, rs.LongestFreezeMS, rs.BitrateKbps
	r.latencyP50, r.latencyP95 = rs.VideoLatencyMS.P50, rs.VideoLatencyMS.P95
	r.freezes = float64(countFreezes(rs.Freezes, freezeGapMS))
	var widths []int
	for _, s := range rs.Timeline {
		widths = append(widths, s.Width)
	}
	if len(widths) == 0 {
		widths = []int{rs.Width}
	}
	r.layers = layerPath(widths)
	// The pipeline's counters are left out of the JSON when zero: with
	// packets there, a missing one is a zero; without, none was measured.
	if rs.Packets != nil {
		r.nacks, r.rtx, r.concealedPct = intOr0(rs.PacketsNACKed), intOr0(rs.Retransmissions), 0
		if rs.ConcealedPct != nil {
			r.concealedPct = *rs.ConcealedPct
		}
	}
}

func intOr0(p *int) float64 {
	if p == nil {
		return 0
	}
	return float64(*p)
}

func countFreezes(fs []span, overMS int64) int {
	n := 0
	for _, f := range fs {
		if f.To-f.From > overMS {
			n++
		}
	}
	return n
}

// layerPath names the widths received in the order they came, each change
// once: "1280", "1280 → 320 → 1280". Widths under 16 are skipped: no frame
// that second, or the SFU's 8×8 blank frames while it switches or closes a
// track.
func layerPath(widths []int) string {
	var path []string
	for _, w := range widths {
		s := fmt.Sprint(w)
		if w >= 16 && (len(path) == 0 || path[len(path)-1] != s) {
			path = append(path, s)
		}
	}
	if len(path) > 5 {
		path = append(path[:2], "…", path[len(path)-1])
	}
	return strings.Join(path, " → ")
}

// videoBack says when the video came back after an outage from down to up,
// from the freezes the receiver saw, or how the call ended: ended is the
// time the client gave up (zero if it did not), endWhy its reason.
func videoBack(freezes []span, down, up, ended time.Time, endWhy string) string {
	for _, f := range freezes {
		if f.From < up.UnixMilli() && f.To >= down.UnixMilli() {
			return fmt.Sprintf("%.1f s after the link", float64(f.To-up.UnixMilli())/1000)
		}
	}
	if !ended.IsZero() {
		return fmt.Sprintf("gave up %.1f s into the outage (%s)", ended.Sub(down).Seconds(), endWhy)
	}
	return "no video after the link came back"
}
