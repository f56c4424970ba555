package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The browser comparison: three bots publish 720p30 with sound; a Confer
// bot and then a headless Chromium tab running livekit-client receive all
// three, each for compareSeconds once its pictures have settled.
const (
	browserDir     = "scripts/browser-bench"
	compareRoom    = "compare"
	comparePubs    = 3
	compareSeconds = 30
	compareSettle  = 3 * time.Second
	compareWidth   = 1280 // what botArgs publishes, and what both receivers must get
)

type compareFigures struct {
	err                   string // why there are no figures
	chromium, client      string // versions
	seconds               float64
	conferCPU, browserCPU float64 // % of one core
	conferMem, browserMem memory
	browserProcs          int
	conferFPS             float64 // the slowest of the three streams
	decodedFPS, shownFPS  float64 // the browser's, the slowest stream
	width, height         int     // what the browser received
}

// measureCompare fills f or says why it could not.
func measureCompare(bin, url, work string, f *compareFigures) error {
	setup := exec.Command(filepath.Join(browserDir, "setup.sh"))
	setup.Stdout, setup.Stderr = os.Stderr, os.Stderr
	if err := setup.Run(); err != nil {
		return fmt.Errorf("%s/setup.sh: %v", browserDir, err)
	}
	f.chromium, f.client = browserVersions()
	var pubs []*exec.Cmd
	defer func() {
		for _, p := range pubs {
			stop(p)
		}
	}()
	for i := 0; i < comparePubs; i++ {
		user := fmt.Sprintf("pub%d", i)
		// The whole simulcast (2250 kbit/s) is held on: this compares
		// receivers, and on two cores the senders' own load looked like a
		// queue to their congestion control, which then dropped the full
		// layer 6–30 s in.
		c := exec.Command(bin, botArgs(url, compareRoom, user, "0s", "--uplink-floor", "2300")...) // until stopped
		c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
		if err := c.Start(); err != nil {
			return err
		}
		pubs = append(pubs, c)
	}
	time.Sleep(3 * time.Second) // the publishers join and send
	f.seconds = compareSeconds
	if err := measureConferReceiver(bin, url, work, f); err != nil {
		return fmt.Errorf("confer receiver: %v", err)
	}
	if err := measureBrowserReceiver(bin, url, work, f); err != nil {
		return fmt.Errorf("browser: %v", err)
	}
	return nil
}

// treeWindow reads the CPU a process tree spends over d and its memory at
// the end; pids lists the processes to count, read afresh.
func treeWindow(pids func() []int, d time.Duration) (cpuPercent float64, mem memory, n int, err error) {
	before, t0 := cpuOf(pids()), time.Now()
	time.Sleep(d)
	now := pids()
	after, wall := cpuOf(now), time.Since(t0).Seconds()
	mem, err = memoryOf(now)
	return 100 * cpuBetween(before, after) / wall, mem, len(now), err
}

// measureConferReceiver: a receive-only bot that plays the sound it hears,
// as a client does; it draws nothing.
func measureConferReceiver(bin, url, work string, f *compareFigures) error {
	stats := filepath.Join(work, "compare-confer.json")
	// Its join and first pictures take under half a second (checked below).
	settle := compareSettle + time.Second
	dur := (settle + compareSeconds*time.Second + 2*time.Second).String()
	c := exec.Command(bin, botArgs(url, compareRoom, "confer", dur,
		"--video", "none", "--audio", "none", "--play=true", "--stats", stats)...)
	c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
	if err := c.Start(); err != nil {
		return err
	}
	time.Sleep(settle)
	cpu, mem, _, err := treeWindow(func() []int { return []int{c.Process.Pid} }, compareSeconds*time.Second)
	if werr := c.Wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	st, err := readStats(stats)
	if err != nil {
		return err
	}
	if len(st.Remotes) != comparePubs {
		return fmt.Errorf("received from %d publishers, want %d", len(st.Remotes), comparePubs)
	}
	f.conferFPS = 1000
	for u, r := range st.Remotes {
		if r.FramesDecoded == 0 || r.FirstFrameMS > float64(time.Second.Milliseconds()) {
			return fmt.Errorf("%s: %d frames, first after %.0f ms", u, r.FramesDecoded, r.FirstFrameMS)
		}
		if r.Width != compareWidth {
			return fmt.Errorf("%s: received %d×%d, not the full layer", u, r.Width, r.Height)
		}
		f.conferFPS = min(f.conferFPS, r.FPS)
	}
	f.conferCPU, f.conferMem = cpu, mem
	return nil
}

// videoCounts is what the page reports per remote video (see page.js).
type videoCounts struct {
	Presented, Decoded, Dropped int
	Width, Height               int
}

type pageLine struct {
	Event  string                 `json:"event"`
	Counts map[string]videoCounts `json:"counts"`
}

// measureBrowserReceiver: a headless tab receiving the three publishers'
// full layers.
func measureBrowserReceiver(bin, url, work string, f *compareFigures) error {
	tab := browserTab{room: compareRoom, videos: comparePubs, seconds: compareSeconds}
	r, err := tab.run(bin, url, work)
	if err != nil {
		return err
	}
	f.browserCPU, f.browserMem, f.browserProcs = r.cpu, r.mem, r.procs
	return pageFrames(r.start, r.end, f)
}

// browserTab is a Chromium tab (run.mjs) that joins room and receives
// videos cameras, measured for seconds once its pictures settled.
type browserTab struct {
	room    string
	videos  int
	seconds int
	flags   []string // run.mjs's own, before its arguments
	env     []string // added to the environment: DISPLAY for a window
}

// tabRun is what a browserTab measured: the browser's processes (not the
// Node driver's) and the page's frame counts at the start and the end.
type tabRun struct {
	cpu        float64
	mem        memory
	procs      int
	start, end map[string]videoCounts
}

// run serves the page on loopback and has run.mjs open it in Chromium.
func (b browserTab) run(bin, url, work string) (tabRun, error) {
	var r tabRun
	pageURL, closePage, err := servePage()
	if err != nil {
		return r, err
	}
	defer closePage()
	tok := exec.Command(bin, "token", "--room", b.room, "--user", "browser")
	tok.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
	token, err := tok.Output()
	if err != nil {
		return r, fmt.Errorf("token: %v", err)
	}
	args := append(append([]string{filepath.Join(browserDir, "run.mjs")}, b.flags...),
		pageURL, url, strings.TrimSpace(string(token)), fmt.Sprint(b.videos))
	node := exec.Command("node", args...)
	node.Stderr = os.Stderr
	// Chromium's profile and crash database go under work; the database's
	// path then also names this browser's crash handlers.
	config := filepath.Join(work, "browser-config")
	node.Env = append(append(os.Environ(), b.env...), "XDG_CONFIG_HOME="+config)
	stdin, _ := node.StdinPipe()
	stdout, _ := node.StdoutPipe()
	if err := node.Start(); err != nil {
		return r, err
	}
	defer closeNode(node, stdin)
	lines := readLines(stdout)
	if _, err := expect(lines, "ready", 60*time.Second); err != nil {
		return r, err
	}
	time.Sleep(compareSettle)
	if r.start, err = ask(stdin, lines); err != nil {
		return r, err
	}
	browser := func() []int { return browserProcesses(node.Process.Pid, config) }
	if r.cpu, r.mem, r.procs, err = treeWindow(browser, time.Duration(b.seconds)*time.Second); err != nil {
		return r, err
	}
	r.end, err = ask(stdin, lines)
	return r, err
}

// browserProcesses are Chromium's processes under the Node driver (which is
// left out) and its crash handlers, which leave the tree (re-parented to
// init) but name the crash database under config in their arguments.
func browserProcesses(node int, config string) []int {
	crash := withArg("--database=" + filepath.Join(config, "chromium", "Crash Reports"))
	return append(descendants(node)[1:], crash...)
}

// closeNode lets run.mjs close its browser, and interrupts it if it does not.
func closeNode(node *exec.Cmd, stdin io.WriteCloser) {
	_, _ = io.WriteString(stdin, "quit\n")
	_ = stdin.Close()
	done := make(chan struct{})
	go func() { _ = node.Wait(); close(done) }()
	for _, sig := range []os.Signal{os.Interrupt, os.Kill} {
		select {
		case <-done:
			return
		case <-time.After(15 * time.Second):
			_ = node.Process.Signal(sig) // Playwright closes its browser on an interrupt
		}
	}
	<-done
}

// pageFrames checks that every video was decoded and drawn in the window.
func pageFrames(start, end map[string]videoCounts, f *compareFigures) error {
	if len(end) != comparePubs {
		return fmt.Errorf("the page shows %d videos, want %d", len(end), comparePubs)
	}
	f.decodedFPS, f.shownFPS = 1000, 1000
	for id, e := range end {
		s := start[id]
		dec, shown := e.Decoded-s.Decoded, e.Presented-s.Presented
		if dec <= 0 || shown <= 0 {
			return fmt.Errorf("video of %s: %d frames decoded, %d shown in %d s", id, dec, shown, compareSeconds)
		}
		f.decodedFPS = min(f.decodedFPS, float64(dec)/compareSeconds)
		f.shownFPS = min(f.shownFPS, float64(shown)/compareSeconds)
		// With simulcast, a lower layer would make the comparison unfair.
		if e.Width != compareWidth {
			return fmt.Errorf("video of %s: received %d×%d, not the full layer", id, e.Width, e.Height)
		}
		f.width, f.height = e.Width, e.Height
	}
	return nil
}

// servePage serves browserDir (the page, its script, node_modules) on loopback.
func servePage() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(browserDir))}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/index.html", func() { _ = srv.Close() }, nil
}

func readLines(r io.Reader) <-chan pageLine {
	ch := make(chan pageLine)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			var l pageLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				ch <- l
			}
		}
	}()
	return ch
}

func expect(lines <-chan pageLine, event string, timeout time.Duration) (pageLine, error) {
	select {
	case l, ok := <-lines:
		if !ok {
			return l, errors.New("run.mjs ended early (its errors are above)")
		}
		if l.Event != event {
			return l, fmt.Errorf("run.mjs said %q, want %q", l.Event, event)
		}
		return l, nil
	case <-time.After(timeout):
		return pageLine{}, fmt.Errorf("no %q from run.mjs in %v", event, timeout)
	}
}

func ask(stdin io.Writer, lines <-chan pageLine) (map[string]videoCounts, error) {
	if _, err := io.WriteString(stdin, "counts\n"); err != nil {
		return nil, err
	}
	l, err := expect(lines, "counts", 10*time.Second)
	return l.Counts, err
}

// browserVersions names what was compared: Chromium's and livekit-client's versions.
func browserVersions() (chromium, client string) {
	chromium = "Chromium"
	if out, err := exec.Command("/usr/bin/chromium", "--version").Output(); err == nil {
		if f := strings.Fields(string(out)); len(f) >= 2 {
			chromium = f[0] + " " + f[1]
		}
	}
	client = "livekit-client"
	data, err := os.ReadFile(filepath.Join(browserDir, "node_modules/livekit-client/package.json"))
	var pkg struct{ Version string }
	if err == nil && json.Unmarshal(data, &pkg) == nil {
		client += " " + pkg.Version
	}
	return chromium, client
}
