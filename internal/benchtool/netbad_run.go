package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"confer/internal/netlab"
)

// netbadConfig is what the flags choose: -netbad and -netbad-clients.
type netbadConfig struct {
	only    string // conditions or families, comma-separated; empty for all
	clients string // confer, browser or both
}

// netbadEnv is what every run of the part shares: the lab, the server bound
// to its host side, and the page the browser loads from there.
type netbadEnv struct {
	ctx            context.Context
	bin, work, url string
	lab            *netlab.Lab
	tcpPort        int    // the server's ICE-TCP port
	pageURL        string // on the lab's host side, for a browser inside it
	rooms          int
}

// measureNetBad runs every selected condition with every selected client.
// An interrupt ends it with everything it made removed.
func measureNetBad(bin, work string, cfg netbadConfig, f *netbadFigures) error {
	conds, err := selectConditions(cfg.only)
	if err != nil {
		return err
	}
	clients, err := selectClients(cfg.clients)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	lab, err := netlab.New("netbad")
	if err != nil {
		return err
	}
	defer lab.Close()
	e := &netbadEnv{ctx: ctx, bin: bin, work: work, lab: lab}
	srv, err := e.startServer()
	if err != nil {
		return err
	}
	defer stop(srv)
	if slices.Contains(clients, clientBrowser) {
		closePage, err := e.preparePage(f)
		if err != nil {
			// Confer's figures stand; the report says why Chromium's are missing.
			fmt.Fprintln(os.Stderr, "bench: netbad: no browser:", err)
			f.browserErr = err.Error()
			clients = slices.DeleteFunc(clients, func(c string) bool { return c == clientBrowser })
		} else {
			defer closePage()
		}
	}
	f.seconds = netbadSeconds
	for _, c := range conds {
		for _, client := range clients {
			fmt.Fprintf(os.Stderr, "bench: netbad: %s, %s\n", c.name, client)
			r := e.run(c, client)
			if ctx.Err() != nil {
				return errors.New("interrupted")
			}
			if r.err != "" {
				fmt.Fprintf(os.Stderr, "bench: netbad: %s, %s: %s\n", c.name, client, r.err)
			}
			f.results = append(f.results, r)
		}
	}
	return nil
}

// startServer runs `confer serve` bound to the lab's host side, with an
// ICE-TCP port of our choosing, to see whether a client uses it.
func (e *netbadEnv) startServer() (*exec.Cmd, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(e.lab.HostIP, "0"))
	if err != nil {
		return nil, err
	}
	e.tcpPort = l.Addr().(*net.TCPAddr).Port
	l.Close()
	srv, url, err := startServe(e.bin, e.work, "--bind", e.lab.HostIP, "--rtc-tcp-port", strconv.Itoa(e.tcpPort))
	e.url = url
	return srv, err
}

// run is one client's run under c: the counterpart joins beside the server,
// the condition is set, the client joins behind it for c.runFor(), then the
// figures are gathered. A failed run has its reason in err.
func (e *netbadEnv) run(c condition, client string) netResult {
	r := newResult(c, client)
	if err := e.runOnce(c, client, &r); err != nil {
		r.err = err.Error()
	}
	if err := e.lab.Clear(); err != nil && r.err == "" {
		r.err = err.Error()
	}
	return r
}

func (e *netbadEnv) runOnce(c condition, client string, r *netResult) error {
	e.rooms++
	room := fmt.Sprintf("netbad-%d", e.rooms)
	counterStats := filepath.Join(e.work, room+"-counterpart.json")
	counterpart, err := e.startCounterpart(c.role, room, counterStats)
	if err != nil {
		return err
	}
	defer stop(counterpart)
	if err := sleepCtx(e.ctx, time.Second); err != nil { // it joins and publishes
		return err
	}
	if err := c.apply(e.lab); err != nil {
		return err
	}
	var stopWatch func() ([]netlab.CapSample, error)
	if c.capKbps > 0 {
		stopWatch = e.lab.WatchCap(c.dir, time.Second)
	}
	if client == clientConfer {
		err = e.runConfer(c, room, r)
	} else {
		err = e.runBrowser(c, room, r)
	}
	if stopWatch != nil {
		samples, werr := stopWatch()
		fit := netlab.FitUnderCap(samples, c.capKbps)
		r.fit = &fit
		fmt.Fprintf(os.Stderr, "bench: %s, %s: the cap's queue, each second\n%s", c.name, client, netlab.FormatCapSamples(samples))
		err = errors.Join(err, werr)
	}
	if err != nil || c.role != sending {
		return err
	}
	// The receiver beside the server measured what the client sent.
	time.Sleep(time.Second)
	stop(counterpart)
	st, err := readBotStats(counterStats)
	if err != nil {
		return err
	}
	rs := st.Remotes["subject"]
	if rs == nil || rs.FramesDecoded == 0 {
		return fmt.Errorf("the receiver beside the server decoded nothing from the %s sender", client)
	}
	r.fromBot(rs)
	return nil
}

// startCounterpart starts the Confer bot beside the server: a 720p
// publisher when the client receives, a receive-only bot writing its stats
// when the client sends. It runs until stopped.
func (e *netbadEnv) startCounterpart(ro role, room, stats string) (*exec.Cmd, error) {
	args := botArgs(e.url, room, "pub", "0s")
	if ro == sending {
		args = botArgs(e.url, room, "recv", "0s", "--video", "none", "--audio", "none", "--stats", stats)
	}
	c := exec.Command(e.bin, args...)
	c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+e.work)
	return c, c.Start()
}

// runConfer runs a Confer bot behind the condition as "subject".
func (e *netbadEnv) runConfer(c condition, room string, r *netResult) error {
	stats := filepath.Join(e.work, room+"-subject.json")
	extra := []string{"--stats", stats}
	if c.role == receiving {
		extra = append(extra, "--video", "none", "--audio", "none")
	}
	bot := e.lab.Command(e.bin, botArgs(e.url, room, "subject", c.runFor().String(), extra...)...)
	// Its log stays beside its stats (-keep), at CONFER_LOG's level.
	logFile, err := os.Create(filepath.Join(e.work, room+"-subject.log"))
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own copy
	bot.Stderr = logFile
	if err := bot.Start(); err != nil {
		return err
	}
	defer func() { _ = bot.Process.Kill() }() // when it already ended, harmless
	exited := make(chan error, 1)
	go func() { exited <- bot.Wait() }()
	start := time.Now()
	var down, up time.Time
	if c.outage > 0 {
		var err error
		if down, up, err = e.cutLink(start, c.outage); err != nil {
			return err
		}
	} else {
		if err := sleepCtx(e.ctx, 3*time.Second); err != nil {
			return err
		}
		r.transport = e.wireTransport()
	}
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("the bot: %v", err)
		}
	case <-time.After(time.Until(start.Add(c.runFor() + 30*time.Second))):
		return errors.New("the bot did not end its run")
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
	st, err := readBotStats(stats)
	if err != nil {
		return err
	}
	if !st.Joined {
		return fmt.Errorf("the bot did not join: %s", st.Error)
	}
	if st.Uplink != nil {
		r.estimateKbps = st.Uplink.LastKbps
	}
	if c.role == sending {
		return nil
	}
	rs := st.Remotes["pub"]
	if rs == nil || rs.FramesDecoded == 0 {
		return errors.New("the bot decoded nothing")
	}
	r.fromBot(rs)
	if c.outage > 0 {
		r.outage = videoBack(rs.Freezes, down, up, conferGaveUp(st), st.End)
	}
	return nil
}

// conferGaveUp is when the bot's call became disconnected, or zero.
func conferGaveUp(st *botStatsJSON) time.Time {
	for _, ev := range st.Events {
		if ev.Kind == "state" && strings.HasPrefix(ev.Detail, "disconnected") {
			return time.UnixMilli(ev.UnixMS)
		}
	}
	return time.Time{}
}

// cutLink waits until outageSettle after start, takes the link down for d
// and brings it back; it returns when it did each.
func (e *netbadEnv) cutLink(start time.Time, d time.Duration) (down, up time.Time, err error) {
	if err = sleepCtx(e.ctx, time.Until(start.Add(outageSettle))); err != nil {
		return
	}
	if err = e.lab.SetLink(false); err != nil {
		return
	}
	down = time.Now()
	err = sleepCtx(e.ctx, d)
	// Up again even when interrupted: the lab is shared by the next run.
	if uerr := e.lab.SetLink(true); err == nil {
		err = uerr
	}
	return down, time.Now(), err
}

// wireTransport tells from the namespace's sockets whether media goes over
// TCP (a connection to the server's ICE-TCP port is open) or not (UDP, the
// only other way to the server).
func (e *netbadEnv) wireTransport() string {
	out, err := e.lab.Command("ss", "-Htn", "state", "established",
		"dst", e.lab.HostIP, "dport", "= :"+strconv.Itoa(e.tcpPort)).Output()
	switch {
	case err != nil:
		return ""
	case strings.TrimSpace(string(out)) != "":
		return "tcp"
	}
	return "udp"
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
