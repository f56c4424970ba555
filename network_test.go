package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"confer/internal/bot"
	"confer/internal/netlab"
)

// Calls across a lab's link with loss, a bandwidth cap or TCP blocked: the
// server is bound to the lab's host side, one bot runs inside the
// namespace and one beside the server. Each test skips without root (see
// netlab.ForTest). The targets are what a call needs on such links, not
// what Confer reached when they were written.

// netBot starts `confer bot` in room "net", inside the lab when in is set,
// beside the server otherwise; it is killed when the test ends.
func netBot(t *testing.T, in *netlab.Lab, url, user, dur, dir string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"bot", "--server", url, "--room", "net", "--name", user, "--user", user,
		"--duration", dur, "--play=false", "--stats", filepath.Join(dir, user+".json")}, extra...)
	c := exec.Command(conferBin, args...)
	if in != nil {
		c = in.Command(conferBin, args...)
	}
	logPath := filepath.Join(dir, user+".log")
	if os.Getenv("CONFER_TEST_LOG") != "" {
		c.Stderr = os.Stderr
	} else if f, err := os.Create(logPath); err == nil {
		c.Stderr = f
		t.Cleanup(func() { f.Close() })
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Process.Kill()
		_ = c.Wait()
		if t.Failed() {
			logTail(t, user, logPath)
		}
	})
	return c
}

// logTail shows the end of a bot's log (its warnings and errors) in a
// failed test's output: what went wrong inside it is otherwise lost.
func logTail(t *testing.T, user, path string) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	t.Logf("%s's log, last %d lines:\n%s", user, min(len(lines), 30), strings.Join(lines[max(0, len(lines)-30):], "\n"))
}

// waitBot waits for a bot to end by itself, within limit.
func waitBot(t *testing.T, c *exec.Cmd, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("bot %v: %v", c.Args, err)
		}
	case <-time.After(limit):
		t.Fatalf("bot still running after %v", limit)
	}
}

// received is what a bot's stats say it got from user; the test fails when
// it got nothing.
func received(t *testing.T, st bot.Stats, user string) *bot.RemoteStats {
	t.Helper()
	if !st.Joined {
		t.Fatalf("%s did not join: %s", st.User, st.Error)
	}
	rs := st.Remotes[user]
	if rs == nil || rs.FramesDecoded == 0 {
		t.Fatalf("%s decoded no video from %s: %+v", st.User, user, rs)
	}
	return rs
}

// videoSpan estimates when a bot's stay began (after the join) and when the
// last frame from a remote was decoded, from its stats: the bot records the
// join's events as its stay starts, the first frame is timed from the
// join's start, and fps spans the first frame to the last. A stream that
// stopped before the bot left shows as a last frame well before the end of
// its stay, a freeze the freeze list cannot hold.
func videoSpan(st bot.Stats, rs *bot.RemoteStats) (stay, last time.Time) {
	if len(st.Events) == 0 || rs.FPS == 0 {
		return time.Time{}, time.Time{}
	}
	stay = time.UnixMilli(st.Events[0].UnixMS)
	first := stay.Add(ms(rs.FirstFrameMS - st.JoinMS))
	last = first.Add(time.Duration(float64(rs.FramesDecoded-1) / rs.FPS * float64(time.Second)))
	return stay, last
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// freezesIn lists the gaps between decoded frames longer than over that
// overlap [from, to), including the one from the last frame to `to`.
func freezesIn(rs *bot.RemoteStats, last, from, to time.Time, over time.Duration) []string {
	var out []string
	for _, f := range rs.Freezes {
		a, b := time.UnixMilli(f.FromUnixMS), time.UnixMilli(f.ToUnixMS)
		if b.Sub(a) > over && b.After(from) && a.Before(to) {
			out = append(out, fmt.Sprintf("%v at %s", b.Sub(a).Round(time.Millisecond), a.Format("15:04:05.000")))
		}
	}
	if gap := to.Sub(last); gap > over {
		out = append(out, fmt.Sprintf("no frame in the last %v", gap.Round(time.Millisecond)))
	}
	return out
}

func describe(rs *bot.RemoteStats) string {
	return fmt.Sprintf("%d frames, %.1f fps, %d×%d, %.0f kbit/s, longest freeze %.0f ms, %d freezes listed, latency p50 %.0f ms p95 %.0f ms",
		rs.FramesDecoded, rs.FPS, rs.Width, rs.Height, rs.BitrateKbps, rs.LongestFreezeMS, len(rs.Freezes),
		rs.VideoLatencyMS.P50, rs.VideoLatencyMS.P95)
}

func TestNetworkReceiverBehindLossKeepsDecoding(t *testing.T) {
	lab := netlab.ForTest(t, "recv-loss")
	_, url := startServeIn(t, t.TempDir(), "--bind", lab.HostIP)
	if err := lab.SetLoss(netlab.Downlink, 0.10); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const stay = 20 * time.Second
	netBot(t, nil, url, "pub", (stay + 6*time.Second).String(), dir, "--width", "640", "--height", "480", "--fps", "30")
	recv := netBot(t, lab, url, "recv", stay.String(), dir, "--video", "none", "--audio", "none")
	waitBot(t, recv, stay+15*time.Second)
	dropped, _ := lab.Dropped(netlab.Downlink)

	st := readStats(t, filepath.Join(dir, "recv.json"))
	rs := received(t, st, "pub")
	t.Logf("behind 10 %% downlink loss (%d packets dropped): %s; NACKed %d, retransmissions %d, late %d, keyframe requests %d, skipped %d",
		dropped, describe(rs), rs.PacketsNACKed, rs.Retransmissions, rs.PacketsLate, rs.KeyframeRequests, rs.FramesSkipped)
	if begin, _ := videoSpan(st, rs); !begin.IsZero() {
		for _, f := range rs.Freezes {
			t.Logf("freeze %d ms at %.1f s", f.ToUnixMS-f.FromUnixMS, float64(f.FromUnixMS-begin.UnixMilli())/1000)
		}
	}
	if rs.FPS < 25 {
		t.Errorf("decoded %.1f fps; want ≥ 25 of the 30 sent", rs.FPS)
	}
	// No freeze over 750 ms, but one, up to 1.5 s, on a loaded CI machine
	// (four of 517–697 ms in one run of make test on a fresh clone):
	// a keyframe is many packets, and when one is needed (a packet and its
	// retransmission both lost, 1 % of packets here, or the server moving
	// the receiver to another layer) a busy machine can take a second to
	// get it through 10 % loss (1061 ms once in a CI run; at most 434 ms in
	// six runs with both cores busy). make bench holds the 200 ms target on
	// an idle machine, beside the browser.
	const freezeLimit, onceLimit = 750 * time.Millisecond, 1500 * time.Millisecond
	if rs.LongestFreezeMS > float64(onceLimit.Milliseconds()) {
		t.Errorf("longest freeze %.0f ms; want none over %v", rs.LongestFreezeMS, onceLimit)
	}
	if begin, last := videoSpan(st, rs); !begin.IsZero() {
		if f := freezesIn(rs, last, begin, begin.Add(stay-time.Second), freezeLimit); len(f) > 1 {
			t.Errorf("video stopped more than once for over %v: %v", freezeLimit, f)
		}
	}
}

// capFitLimit is how soon a sender must fit under the cap. The bench's
// target is 3 s: GCC brings the rate down within 2 s, and the queue the
// first second filled then drains at the difference, some 10 kB a second.
// It fitted in 2–3 s in twelve runs on a two-core machine once the pacer
// numbered only what it sends (pacer.go); before, GCC's loss-based
// estimate could sit at its floor for 5–8 s on gaps that were no loss of
// the link's, and the rate overshot the cap as it came back: 8–15 s in 5
// of 13 runs.
const capFitLimit = 5 * time.Second

func TestNetworkSenderUnderACapSlowsDown(t *testing.T) {
	lab := netlab.ForTest(t, "send-cap")
	_, url := startServeIn(t, t.TempDir(), "--bind", lab.HostIP)
	const capKbps = 600
	if err := lab.SetCap(netlab.Uplink, capKbps); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const stay = 25 * time.Second
	recv := netBot(t, nil, url, "recv", (stay + 3*time.Second).String(), dir, "--video", "none", "--audio", "none")
	time.Sleep(time.Second) // listening before the sender comes
	pub := netBot(t, lab, url, "pub", stay.String(), dir, "--width", "1280", "--height", "720", "--bitrate", "1500")
	// The rate sent is read from the wire: the cap's queue, once a second.
	stop := lab.WatchCap(netlab.Uplink, time.Second)
	waitBot(t, pub, stay+15*time.Second)
	samples, err := stop()
	if len(samples) < 2 {
		t.Fatalf("reading the cap: %v", err)
	}
	if err != nil {
		t.Logf("reading the cap: %v", err) // the counters are cumulative: later samples still judge
	}
	waitBot(t, recv, 20*time.Second)

	fit := netlab.FitUnderCap(samples, capKbps)
	t.Logf("720p at 1500 kbit/s into a %d kbit/s uplink (queue %d B): %s\n%s",
		capKbps, netlab.CapQueueBytes(capKbps), fit, netlab.FormatCapSamples(samples))
	switch {
	case fit.MediaStart < 0:
		t.Fatal("no media crossed the link")
	case fit.Settled < 0 || fit.FitsAfter > capFitLimit:
		// Fitting means no drops and no standing queue over half its size
		// (125 ms at the cap) in every second from then on.
		t.Errorf("the sender did not fit under the cap within %v of its media: %s", capFitLimit, fit)
	}

	st := readStats(t, filepath.Join(dir, "recv.json"))
	rs := received(t, st, "pub")
	t.Logf("the receiver: %s", describe(rs))
	if ps := readStats(t, filepath.Join(dir, "pub.json")); ps.Uplink != nil {
		t.Logf("the sender's estimate: %s", uplinkSeries(ps.Uplink, samples[0].At))
	}
	end := samples[len(samples)-1].At // the sender had left
	_, last := videoSpan(st, rs)
	if f := freezesIn(rs, last, end.Add(-12*time.Second), end.Add(-2*time.Second), time.Second); len(f) > 0 {
		t.Errorf("in the sender's last 10 s the receiver froze: %v", f)
	}
}

// A sender's microphone behind 30 % uplink loss: RED's copies of the
// packets before each one stand in for most of those lost, so what is
// heard is the voice, not concealment. Before RED, Opus' in-band FEC alone
// left 9.1 % of it concealed at this loss (make bench, up-loss-30).
func TestNetworkSpeechThroughALossyUplink(t *testing.T) {
	lab := netlab.ForTest(t, "send-loss")
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg) // the server's keys, for the admin list that waitListed runs
	_, url := startServeIn(t, cfg, "--bind", lab.HostIP)
	if err := lab.SetLoss(netlab.Uplink, 0.30); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const stay = 15 * time.Second
	recv := netBot(t, nil, url, "recv", (stay + 8*time.Second).String(), dir, "--video", "none", "--audio", "none")
	waitListed(t, url, "net", "recv") // listening before the sender comes
	pub := netBot(t, lab, url, "pub", stay.String(), dir, "--video", "none")
	waitBot(t, pub, stay+15*time.Second)
	waitBot(t, recv, 20*time.Second)
	dropped, _ := lab.Dropped(netlab.Uplink)

	st := readStats(t, filepath.Join(dir, "recv.json"))
	rs := st.Remotes["pub"]
	if !st.Joined || rs == nil || rs.AudioFramesDecoded < 250 {
		t.Fatalf("recv heard too little from pub (joined %v): %+v", st.Joined, rs)
	}
	t.Logf("behind 30 %% uplink loss (%d packets dropped): %d audio frames, %d concealed (%.1f %%), %d from RED copies, %d from FEC",
		dropped, rs.AudioFramesDecoded, rs.AudioFramesConcealed, rs.AudioConcealedPct, rs.AudioFramesRED, rs.AudioFramesRecovered)
	if rs.AudioFramesRED == 0 {
		t.Error("no audio frame came from a RED copy: the microphone did not send RED, or the copies were not used")
	}
	// At 30 % random loss about 3 % of packets are lost three in a row,
	// beyond two copies; FEC rebuilds some of those.
	if rs.AudioConcealedPct > 5 {
		t.Errorf("%.1f %% of the audio concealed; want at most 5 %%", rs.AudioConcealedPct)
	}
}

func TestNetworkBrowserFreeUDPICE(t *testing.T) {
	lab := netlab.ForTest(t, "udp-only")
	tcpPort := freeTCPPort(t, lab.HostIP)
	_, url := startServeIn(t, t.TempDir(), "--bind", lab.HostIP, "--rtc-tcp-port", strconv.Itoa(tcpPort))
	// Media over TCP cannot get through: what is decoded came over UDP.
	if err := lab.BlockTCP(tcpPort); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const stay = 8 * time.Second
	netBot(t, nil, url, "pub", (stay + 6*time.Second).String(), dir, "--width", "320", "--height", "240")
	recv := netBot(t, lab, url, "recv", stay.String(), dir, "--video", "none", "--audio", "none")
	waitBot(t, recv, stay+15*time.Second)
	blocked, _ := lab.Blocked()

	st := readStats(t, filepath.Join(dir, "recv.json"))
	rs := received(t, st, "pub")
	t.Logf("with ICE-TCP port %d blocked (%d packets stopped): %s", tcpPort, blocked, describe(rs))
	if rs.FramesDecoded < 100 || rs.FPS < 20 {
		t.Errorf("decoded %d frames at %.1f fps over UDP; want a steady stream", rs.FramesDecoded, rs.FPS)
	}
}

// freeTCPPort picks a TCP port free on host for the server's ICE-TCP.
func freeTCPPort(t *testing.T, host string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// uplinkSeries is the sender's estimate once a second, from start.
func uplinkSeries(u *bot.UplinkStats, start time.Time) string {
	var b strings.Builder
	next := start
	for _, p := range u.Series {
		at := time.UnixMilli(p.UnixMS)
		if at.Before(next) {
			continue
		}
		fmt.Fprintf(&b, " %.0fs:%d", at.Sub(start).Seconds(), p.Kbps)
		next = at.Add(time.Second)
	}
	return b.String()
}
