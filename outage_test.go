package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"confer/internal/bot"
	"confer/internal/netlab"
)

// setLink cuts or restores the lab's link and returns when it did.
func setLink(t *testing.T, lab *netlab.Lab, up bool) time.Time {
	t.Helper()
	if err := lab.SetLink(up); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// outageBots starts a bot next to the server and one across the link.
func outageBots(t *testing.T, lab *netlab.Lab, url, dir string, duration string) (near, far *exec.Cmd) {
	t.Helper()
	args := func(user string) []string {
		return []string{"bot", "--server", url, "--room", "outage", "--name", user, "--user", user,
			"--duration", duration, "--width", "320", "--height", "240", "--play=false",
			"--stats", filepath.Join(dir, user+".json")}
	}
	near = exec.Command(conferBin, args("near")...)
	far = lab.Command(conferBin, args("far")...)
	for _, c := range []*exec.Cmd{near, far} {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		c := c
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	}
	return near, far
}

func states(events []botEvent) []string {
	var out []string
	for _, e := range events {
		if e.Kind == "state" {
			out = append(out, e.Detail)
		}
	}
	return out
}

type botEvent struct {
	UnixMS int64  `json:"unix_ms"`
	Kind   string `json:"kind"`
	User   string `json:"user"`
	Detail string `json:"detail"`
}

func TestShortOutageIsRiddenOut(t *testing.T) {
	lab := netlab.ForTest(t, "outage")
	cfg := t.TempDir()
	_, url := startServeIn(t, cfg, "--bind", lab.HostIP)
	dir := t.TempDir()
	near, far := outageBots(t, lab, url, dir, "18s")
	time.Sleep(4 * time.Second) // both see each other's video
	down := setLink(t, lab, false)
	time.Sleep(5 * time.Second)
	up := setLink(t, lab, true)
	_ = near.Wait()
	_ = far.Wait()

	fs := readStats(t, filepath.Join(dir, "far.json"))
	ns := readStats(t, filepath.Join(dir, "near.json"))
	if fs.End != "duration" || ns.End != "duration" {
		t.Fatalf("calls ended early: far %q, near %q", fs.End, ns.End)
	}
	var farEvents, nearEvents []botEvent
	toEvents(fs.Events, &farEvents)
	toEvents(ns.Events, &nearEvents)
	st := strings.Join(states(farEvents), " → ")
	if !strings.Contains(st, "connected → reconnecting → connected") {
		t.Errorf("far states: %s; want it to go reconnecting and back", st)
	}
	// From the outage to a few seconds after it (later, far's bot ends
	// its run and really leaves).
	for _, e := range nearEvents {
		if e.User == "far" && e.UnixMS > down.UnixMilli()-1000 && e.UnixMS < up.UnixMilli()+3000 {
			t.Errorf("near saw far %s (%s) during a short outage", e.Kind, e.Detail)
		}
	}
	// Video from near comes back to far within 2 s of the link.
	rs := fs.Remotes["near"]
	if rs == nil {
		t.Fatal("far received nothing from near")
	}
	resumed := false
	for _, fr := range rs.Freezes {
		if fr.FromUnixMS < up.UnixMilli() && fr.ToUnixMS >= down.UnixMilli() {
			after := time.Duration(fr.ToUnixMS-up.UnixMilli()) * time.Millisecond
			t.Logf("far's video froze for %v, resumed %v after the link came back", time.Duration(fr.ToUnixMS-fr.FromUnixMS)*time.Millisecond, after)
			if after > 2*time.Second {
				t.Errorf("video resumed %v after the link came back; want within 2 s", after)
			}
			resumed = true
		}
	}
	if !resumed {
		t.Errorf("no freeze covering the outage in %+v", rs.Freezes)
	}
}

func TestLongOutageEndsTheCallAndRejoinWorks(t *testing.T) {
	lab := netlab.ForTest(t, "outage")
	_, url := startServeIn(t, t.TempDir(), "--bind", lab.HostIP)
	dir := t.TempDir()
	_, far := outageBots(t, lab, url, dir, "90s")
	time.Sleep(3 * time.Second)
	down := setLink(t, lab, false)
	ended := make(chan time.Time, 1)
	go func() { _ = far.Wait(); ended <- time.Now() }()
	var endedAt time.Time
	select {
	case endedAt = <-ended:
	case <-time.After(40 * time.Second):
		t.Fatal("far still in the call after 40 s without a network")
	}
	if d := endedAt.Sub(down); d > 25*time.Second {
		t.Errorf("far gave up %v after the link went down; want about 17.5 s", d)
	}
	fs := readStats(t, filepath.Join(dir, "far.json"))
	var ev []botEvent
	toEvents(fs.Events, &ev)
	if fs.End != "disconnected" || !strings.Contains(strings.Join(states(ev), " "), "reconnecting disconnected") {
		t.Errorf("far ended %q with states %v", fs.End, states(ev))
	}
	time.Sleep(time.Until(down.Add(40 * time.Second)))
	setLink(t, lab, true)
	// Neighbour entries marked failed during the outage take a moment.
	if err := lab.WaitReachable(strings.TrimPrefix(url, "ws://"), 15*time.Second); err != nil {
		t.Fatal(err)
	}

	// Rejoin from across the link.
	again := lab.Command(conferBin, "bot", "--server", url, "--room", "outage",
		"--name", "far", "--user", "far", "--duration", "3s", "--width", "320", "--height", "240",
		"--play=false", "--stats", filepath.Join(dir, "again.json"))
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("rejoin: %v\n%s", err, out)
	}
	if st := readStats(t, filepath.Join(dir, "again.json")); st.Remotes["near"] == nil || st.Remotes["near"].FramesDecoded < 30 {
		t.Errorf("after rejoining, far receives %+v", st.Remotes["near"])
	}
}

// toEvents copies the bot's events into the test's own type.
func toEvents(in []bot.EventRecord, out *[]botEvent) {
	for _, e := range in {
		*out = append(*out, botEvent{UnixMS: e.UnixMS, Kind: e.Kind, User: e.User, Detail: e.Detail})
	}
}
