package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"confer/internal/bot"
)

// netns is a network namespace joined to this one by a veth pair: a far
// participant whose link the test can cut. Its addresses are the test's own.
type netns struct {
	name, hostIf, hostIP, farIP string
}

func sh(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// newNetns makes the namespace, or skips the test saying why (it needs root).
func newNetns(t *testing.T) *netns {
	t.Helper()
	id := os.Getpid() % 10000
	n := &netns{
		name:   fmt.Sprintf("confer-%d", id),
		hostIf: fmt.Sprintf("cfh%d", id),
		hostIP: fmt.Sprintf("10.213.%d.1", id%250),
		farIP:  fmt.Sprintf("10.213.%d.2", id%250),
	}
	farIf := fmt.Sprintf("cfn%d", id)
	if err := sh("ip", "netns", "add", n.name); err != nil {
		t.Skipf("cannot create a network namespace (needs root and iproute2): %v", err)
	}
	t.Cleanup(func() {
		_ = sh("ip", "link", "del", n.hostIf)
		_ = sh("ip", "netns", "del", n.name)
	})
	steps := [][]string{
		{"ip", "link", "add", n.hostIf, "type", "veth", "peer", "name", farIf},
		{"ip", "link", "set", farIf, "netns", n.name},
		{"ip", "addr", "add", n.hostIP + "/24", "dev", n.hostIf},
		{"ip", "link", "set", n.hostIf, "up"},
		{"ip", "netns", "exec", n.name, "ip", "addr", "add", n.farIP + "/24", "dev", farIf},
		{"ip", "netns", "exec", n.name, "ip", "link", "set", farIf, "up"},
		{"ip", "netns", "exec", n.name, "ip", "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := sh(s...); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func (n *netns) link(t *testing.T, up bool) time.Time {
	t.Helper()
	state := "down"
	if up {
		state = "up"
	}
	if err := sh("ip", "link", "set", n.hostIf, state); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// waitReachable waits until the far side can open a TCP connection to
// addr: neighbour entries marked failed during the outage take a moment.
func (n *netns) waitReachable(t *testing.T, addr string) {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	probe := fmt.Sprintf("exec 3<>/dev/tcp/%s/%s", host, port)
	deadline := time.Now().Add(15 * time.Second)
	for sh("ip", "netns", "exec", n.name, "bash", "-c", probe) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("%s not reachable from the namespace 15 s after the link came back", addr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// outageBots starts a bot next to the server and one across the link.
func outageBots(t *testing.T, n *netns, url, dir string, duration string) (near, far *exec.Cmd) {
	t.Helper()
	args := func(user string) []string {
		return []string{"bot", "--server", url, "--room", "outage", "--name", user, "--user", user,
			"--duration", duration, "--width", "320", "--height", "240", "--play=false",
			"--stats", filepath.Join(dir, user+".json")}
	}
	near = exec.Command(conferBin, args("near")...)
	far = exec.Command("ip", append([]string{"netns", "exec", n.name, conferBin}, args("far")...)...)
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
	n := newNetns(t)
	cfg := t.TempDir()
	_, url := startServeIn(t, cfg, "--bind", n.hostIP)
	dir := t.TempDir()
	near, far := outageBots(t, n, url, dir, "18s")
	time.Sleep(4 * time.Second) // both see each other's video
	down := n.link(t, false)
	time.Sleep(5 * time.Second)
	up := n.link(t, true)
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
	n := newNetns(t)
	_, url := startServeIn(t, t.TempDir(), "--bind", n.hostIP)
	dir := t.TempDir()
	_, far := outageBots(t, n, url, dir, "90s")
	time.Sleep(3 * time.Second)
	down := n.link(t, false)
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
	n.link(t, true)
	n.waitReachable(t, strings.TrimPrefix(url, "ws://"))

	// Rejoin from across the link.
	again := exec.Command("ip", "netns", "exec", n.name, conferBin, "bot", "--server", url, "--room", "outage",
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
