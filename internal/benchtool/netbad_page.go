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
	"syscall"
	"time"
)

// The browser behind the condition: run.mjs inside the lab's namespace
// opens the page (served on the lab's host side, the only address it can
// reach), joins as "subject", receives or publishes, and reports what the
// page measured (scripts/browser-bench/measure.js).

// pageReport is benchReport()'s answer.
type pageReport struct {
	States []struct {
		UnixMS int64  `json:"unix_ms"`
		State  string `json:"state"`
	} `json:"states"`
	Videos    map[string]pageVideo `json:"videos"`
	Audios    map[string]pageAudio `json:"audios"`
	Transport *struct {
		Protocol string `json:"protocol"`
		Type     string `json:"type"`
	} `json:"transport"`
	Sender *struct {
		Kbps         float64  `json:"kbps"`
		EstimateKbps *float64 `json:"estimate_kbps"`
		Limitation   string   `json:"limitation"`
	} `json:"sender"`
}

type pageVideo struct {
	FPS         float64 `json:"fps"`
	Freezes     []span  `json:"freezes"`
	FreezeCount int     `json:"freeze_count"`
	LongestMS   float64 `json:"longest_freeze_ms"`
	LatencyMS   struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"latency_ms"`
	LatencySamples int      `json:"latency_samples"`
	Widths         []int    `json:"widths"`
	Width          int      `json:"width"`
	Kbps           float64  `json:"kbps"`
	NACKs          *float64 `json:"nacks"`
	RTX            *float64 `json:"rtx"`
}

type pageAudio struct {
	ConcealedPct *float64 `json:"concealed_pct"`
}

// netPageLine is one line run.mjs prints.
type netPageLine struct {
	Event  string          `json:"event"`
	Report json.RawMessage `json:"report"`
}

// preparePage installs the browser's side (setup.sh), notes the versions
// and serves the page on the lab's host address.
func (e *netbadEnv) preparePage(f *netbadFigures) (func(), error) {
	setup := exec.Command(filepath.Join(browserDir, "setup.sh"))
	setup.Stdout, setup.Stderr = os.Stderr, os.Stderr
	if err := setup.Run(); err != nil {
		return nil, fmt.Errorf("%s/setup.sh: %v", browserDir, err)
	}
	f.chromium, f.client = browserVersions()
	ln, err := net.Listen("tcp", net.JoinHostPort(e.lab.HostIP, "0"))
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(browserDir))}
	go func() { _ = srv.Serve(ln) }()
	e.pageURL = "http://" + ln.Addr().String() + "/index.html"
	return func() { _ = srv.Close() }, nil
}

// runBrowser runs Chromium behind the condition as "subject".
func (e *netbadEnv) runBrowser(c condition, room string, r *netResult) error {
	tok := exec.Command(e.bin, "token", "--room", room, "--user", "subject")
	tok.Env = append(os.Environ(), "XDG_CONFIG_HOME="+e.work)
	token, err := tok.Output()
	if err != nil {
		return fmt.Errorf("token: %v", err)
	}
	args := []string{filepath.Join(browserDir, "run.mjs"), "--measure"}
	videos := "1"
	if c.role == sending {
		args = append(args, "--publish", fmt.Sprintf("%dx%d@%d:%d", netbadWidth, netbadHeight, netbadFPS, netbadKbps))
		videos = "0"
	}
	node := e.lab.Command("node", append(args, e.pageURL, e.url, strings.TrimSpace(string(token)), videos)...)
	node.Stderr = os.Stderr
	node.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(e.work, "browser-netbad"))
	// Its own process group: whatever is left of the browser goes with it.
	node.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, _ := node.StdinPipe()
	stdout, _ := node.StdoutPipe()
	if err := node.Start(); err != nil {
		return err
	}
	defer func() {
		closeNode(node, stdin)
		_ = syscall.Kill(-node.Process.Pid, syscall.SIGKILL)
	}()
	lines := readNetPage(stdout)
	if _, err := waitPage(lines, "ready", 60*time.Second); err != nil {
		return err
	}
	start := time.Now()
	var down, up time.Time
	if c.outage > 0 {
		if down, up, err = e.cutLink(start, c.outage); err != nil {
			return err
		}
	}
	if err := sleepCtx(e.ctx, time.Until(start.Add(c.runFor()))); err != nil {
		return err
	}
	if _, err := io.WriteString(stdin, "report\n"); err != nil {
		return err
	}
	l, err := waitPage(lines, "report", 15*time.Second)
	if err != nil {
		return err
	}
	var rep pageReport
	if err := json.Unmarshal(l.Report, &rep); err != nil {
		return fmt.Errorf("the page's report: %v", err)
	}
	return r.fromPage(&rep, c, down, up)
}

// fromPage fills r from the page's report.
func (r *netResult) fromPage(rep *pageReport, c condition, down, up time.Time) error {
	if rep.Transport != nil {
		r.transport = rep.Transport.Protocol
	}
	if c.role == sending {
		if rep.Sender == nil {
			return errors.New("the page sent nothing")
		}
		if rep.Sender.EstimateKbps != nil {
			r.estimateKbps = *rep.Sender.EstimateKbps
		}
		// What held its encoder back, when something did (cpu, bandwidth).
		r.limitation = rep.Sender.Limitation
		return nil
	}
	v, ok := rep.Videos["pub"]
	if !ok || v.FPS == 0 {
		return errors.New("the page decoded nothing")
	}
	r.fps, r.freezes, r.longestMS, r.kbps = v.FPS, float64(v.FreezeCount), v.LongestMS, v.Kbps
	if v.LatencySamples > 0 {
		r.latencyP50, r.latencyP95 = v.LatencyMS.P50, v.LatencyMS.P95
	}
	r.layers = layerPath(append(v.Widths, v.Width))
	// Chromium leaves retransmittedPacketsReceived out until one came.
	if v.NACKs != nil {
		r.nacks, r.rtx = *v.NACKs, 0
		if v.RTX != nil {
			r.rtx = *v.RTX
		}
	}
	if a, ok := rep.Audios["pub"]; ok && a.ConcealedPct != nil {
		r.concealedPct = *a.ConcealedPct
	}
	if c.outage > 0 {
		var gaveUp time.Time
		why, last := "", ""
		for _, s := range rep.States {
			if strings.HasPrefix(s.State, "disconnected") && gaveUp.IsZero() {
				gaveUp, why = time.UnixMilli(s.UnixMS), s.State
			}
			last = s.State
		}
		r.outage = videoBack(v.Freezes, down, up, gaveUp, why)
		if strings.HasPrefix(r.outage, "no video") {
			r.outage += " (the room: " + last + ")"
		}
	}
	return nil
}

func readNetPage(r io.Reader) <-chan netPageLine {
	ch := make(chan netPageLine, 16)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 16<<20)
		for sc.Scan() {
			var l netPageLine
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				ch <- l
			}
		}
	}()
	return ch
}

// waitPage waits for run.mjs to say event.
func waitPage(lines <-chan netPageLine, event string, timeout time.Duration) (netPageLine, error) {
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
		return netPageLine{}, fmt.Errorf("no %q from run.mjs in %v", event, timeout)
	}
}
