package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"confer/internal/netlab"
)

func TestSelectConditions(t *testing.T) {
	all, err := selectConditions("")
	if err != nil || len(all) != 5+5+3+3+2 {
		t.Fatalf("all: %d conditions, %v", len(all), err)
	}
	got, err := selectConditions("up-cap, down-loss-10")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.name)
	}
	// In the report's order, not the flag's.
	if strings.Join(names, ",") != "down-loss-10,up-cap-300,up-cap-600,up-cap-1500" {
		t.Errorf("picked %v", names)
	}
	if _, err := selectConditions("down-loss-15"); err == nil || !strings.Contains(err.Error(), "down-loss-10") {
		t.Errorf("an unknown condition: %v", err)
	}
}

func TestConditionsMatchTheirRoles(t *testing.T) {
	for _, c := range conditions() {
		switch c.family {
		case "down-loss", "down-cap":
			if c.role != receiving || c.dir != netlab.Downlink {
				t.Errorf("%s: the receiver's downlink", c.name)
			}
		case "up-loss", "up-cap":
			if c.role != sending || c.dir != netlab.Uplink {
				t.Errorf("%s: the sender's uplink", c.name)
			}
		case "outage":
			if c.outage == 0 || c.runFor() != outageSettle+c.outage+netbadSeconds*time.Second {
				t.Errorf("%s: outage %v, run %v", c.name, c.outage, c.runFor())
			}
		default:
			t.Errorf("%s: family %q has no table", c.name, c.family)
		}
	}
}

func TestSelectClients(t *testing.T) {
	if c, err := selectClients("confer,browser"); err != nil || len(c) != 2 {
		t.Errorf("both: %v, %v", c, err)
	}
	for _, bad := range []string{"", "firefox"} {
		if _, err := selectClients(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestFromBotReadsWhatTheStatsHave(t *testing.T) {
	seven, nacks := 7.5, 12
	rs := &botRemoteJSON{FPS: 29.5, LongestFreezeMS: 450, BitrateKbps: 800, Width: 320,
		Freezes: []span{{From: 0, To: 250}, {From: 1000, To: 1150}, {From: 2000, To: 2450}}}
	rs.VideoLatencyMS.P50, rs.VideoLatencyMS.P95 = 40, 90
	r := newResult(condition{name: "down-loss-10"}, clientConfer)
	r.fromBot(rs)
	if r.fps != 29.5 || r.freezes != 2 || r.latencyP95 != 90 || r.layers != "320" {
		t.Errorf("figures: %+v", r)
	}
	if got := netRow(r, 11); got[6] != "—" || got[9] != "—" {
		t.Errorf("without the pipeline's counters, concealment and NACKs are %q, %q; want —", got[6], got[9])
	}
	// With them, a counter left out of the JSON is a zero.
	packets := 900
	rs.Packets, rs.PacketsNACKed, rs.ConcealedPct = &packets, &nacks, &seven
	rs.Timeline = []struct {
		Width int `json:"width"`
	}{{1280}, {1280}, {320}, {0}, {1280}}
	r.fromBot(rs)
	if r.nacks != 12 || r.rtx != 0 || r.concealedPct != 7.5 || r.layers != "1280 → 320 → 1280" {
		t.Errorf("pipeline figures: %+v", r)
	}
}

func TestVideoBack(t *testing.T) {
	down, up := time.UnixMilli(10_000), time.UnixMilli(15_000)
	fs := []span{{From: 2000, To: 2300}, {From: 9_950, To: 15_400}}
	if got := videoBack(fs, down, up, time.Time{}, ""); got != "0.4 s after the link" {
		t.Errorf("resumed: %q", got)
	}
	if got := videoBack(fs[:1], down, up, time.UnixMilli(27_500), "disconnected"); got != "gave up 17.5 s into the outage (disconnected)" {
		t.Errorf("gave up: %q", got)
	}
	if got := videoBack(nil, down, up, time.Time{}, ""); !strings.Contains(got, "no video") {
		t.Errorf("nothing: %q", got)
	}
}

func TestNetTableHasAColumnPerCell(t *testing.T) {
	fit := netlab.CapFit{MediaStart: 2, Settled: -1, DroppedAfter: 40, MaxBacklogAfter: 21000}
	rows := []netResult{
		newResult(condition{name: "up-cap-600", family: "up-cap", role: sending, capKbps: 600}, clientConfer),
		newResult(condition{name: "up-cap-600", family: "up-cap", role: sending, capKbps: 600}, clientBrowser),
	}
	rows[0].fit = &fit
	rows[1].err = "run.mjs ended | early"
	table := netTable(rows)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 4 {
		t.Fatalf("table:\n%s", table)
	}
	for _, l := range lines {
		if n := strings.Count(l, "|"); n != strings.Count(lines[0], "|") {
			t.Errorf("%d cells in %q, want as many as the header's", n-1, l)
		}
	}
	if !strings.Contains(lines[2], "never (40 dropped, up to 21 kB queued)") || !strings.Contains(lines[3], "failed: run.mjs ended / early") {
		t.Errorf("rows:\n%s", table)
	}
	if !strings.Contains(lines[0], "sender's estimate") || !strings.Contains(lines[0], "fits after") {
		t.Errorf("header %q", lines[0])
	}
}

func TestLayerPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "",
		"1280":                        "1280",
		"1280,1280,320,320":           "1280 → 320",
		"0,1280,320,640,320,1280,320": "1280 → 320 → … → 320",
	} {
		var ws []int
		for _, f := range strings.Split(in, ",") {
			if w, err := strconv.Atoi(f); err == nil {
				ws = append(ws, w)
			}
		}
		if got := layerPath(ws); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
