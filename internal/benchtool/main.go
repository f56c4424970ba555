// Command benchtool measures Confer with real processes: `confer serve` and
// `confer bot`s on loopback, plus the Go micro-benchmarks, and writes
// docs/BENCHMARKS.md. `make bench` runs it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/confer", "the confer binary")
	out := flag.String("out", "docs/BENCHMARKS.md", "where to write the report")
	joins := flag.Int("joins", 20, "joins to measure")
	only := flag.String("only", "", "comma-separated parts to run (joins,audio,audioproc,streams,party,window,browser,netbad,capacity,micro); default all")
	flag.StringVar(&netbad.only, "netbad", "", "bad-network conditions or families to run, comma-separated (down-loss-10, up-cap, outage-5s…); default all")
	flag.StringVar(&netbad.clients, "netbad-clients", "confer,browser", "who takes the role behind a bad network: confer, browser or both")
	flag.DurationVar(&joinGap, "join-gap", 0, "how long the publisher is alone before each join (its layers pause after 5 s)")
	flag.BoolVar(&keepWork, "keep", false, "keep the work directory (the bots' stats and logs) and say where it is")
	flag.Parse()
	for _, p := range strings.Split(*only, ",") {
		if p != "" {
			selected[p] = true
		}
	}
	if err := run(*bin, *out, *joins); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// selected holds the parts -only asks for; empty means all.
var selected = map[string]bool{}

// keepWork is -keep: the work directory outlives the run, for a look at
// the stats behind a figure.
var keepWork bool

// netbad is what -netbad and -netbad-clients choose.
var netbad netbadConfig

func want(part string) bool { return len(selected) == 0 || selected[part] }

func run(bin, out string, joins int) error {
	work, err := os.MkdirTemp("", "confer-bench")
	if err != nil {
		return err
	}
	if keepWork {
		fmt.Fprintln(os.Stderr, "bench: keeping", work)
	} else {
		defer os.RemoveAll(work)
	}
	srv, url, err := startServe(bin, work)
	if err != nil {
		return err
	}
	defer stop(srv)

	r := &report{machine: machine(), date: time.Now().UTC().Format("2006-01-02")}
	for _, p := range parts(bin, url, work, joins, srv.Process.Pid, r) {
		if !want(p.name) {
			continue
		}
		fmt.Fprintln(os.Stderr, "bench:", p.what)
		if err := p.run(); err != nil {
			if p.skip == nil {
				return err
			}
			// The other figures stand; the report says why this one is missing.
			fmt.Fprintln(os.Stderr, "bench:", p.name+":", err)
			p.skip(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		return err
	}
	fmt.Print(r.markdown())
	return nil
}

// part is one measurement of the report.
type part struct {
	name, what string
	run        func() error
	skip       func(error) // when set, a failure is reported instead of ending the run
}

func parts(bin, url, work string, joins, serverPID int, r *report) []part {
	return []part{
		{name: "joins", what: fmt.Sprintf("join → first frame, %d joins", joins),
			run: func() error { return measureJoins(bin, url, work, joins, r) }},
		{name: "audio", what: fmt.Sprintf("audio capture → playback device, %d s", audioSeconds),
			run: func() error { return measureAudio(bin, url, work, r) }},
		{name: "audioproc", what: fmt.Sprintf("audio processing: echo, double talk, noise, gain, %d s per batch", audioProcSeconds),
			run: func() error { return measureAudioProcessing(bin, url, work, &r.audioproc) }, skip: func(err error) { r.audioproc.err = err.Error() }},
		{name: "streams", what: fmt.Sprintf("CPU of one 720p stream, sent and received, %d s", streamSeconds),
			run: func() error { return measureStreams(bin, url, work, &r.calls) }},
		{name: "party", what: fmt.Sprintf("a 4-party 720p call, %d s", partySeconds),
			run: func() error { return measureParty(bin, url, work, serverPID, &r.calls) }},
		{name: "window", what: fmt.Sprintf("the window under Xvfb showing 0, 1 and 3 streams, %d s each", windowSeconds),
			run: func() error { return measureWindow(bin, url, work, &r.window) }, skip: func(err error) { r.window.err = err.Error() }},
		{name: "browser", what: fmt.Sprintf("Confer beside Chromium with livekit-client, 3 × 720p30, %d s each", compareSeconds),
			run: func() error { return measureCompare(bin, url, work, &r.compare) }, skip: func(err error) { r.compare.err = err.Error() }},
		{name: "netbad", what: fmt.Sprintf("bad networks: Confer and Chromium behind loss, caps and outages, %d s each", netbadSeconds),
			run: func() error { return measureNetBad(bin, work, netbad, &r.netbad) }, skip: func(err error) { r.netbad.err = err.Error() }},
		{name: "capacity", what: fmt.Sprintf("capacity of one node: %d × 720p30 publishers and more receivers, %d s a step", capacityPublishers, capacitySeconds),
			run: func() error { return measureCapacity(bin, work, &r.capacity) }, skip: func(err error) { r.capacity.err = err.Error() }},
		{name: "micro", what: "Go micro-benchmarks",
			run: func() error { var err error; r.micro, err = microBenchmarks(); return err }},
	}
}

var readyLine = regexp.MustCompile(`room server ready at (ws://\S+)`)

// startServe runs `confer serve` on free ports (extra flags override them).
func startServe(bin, work string, extra ...string) (*exec.Cmd, string, error) {
	args := append([]string{"serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
	// The server's log stays in the work directory (-keep), at the level of
	// CONFER_BENCH_SERVE_LOG if set (debug shows each subscriber's layer
	// choices) without changing the bots'.
	if level := os.Getenv("CONFER_BENCH_SERVE_LOG"); level != "" {
		cmd.Env = append(cmd.Env, "CONFER_LOG="+level)
	}
	logFile, err := os.CreateTemp(work, "serve-*.log")
	if err != nil {
		return nil, "", err
	}
	defer logFile.Close() // the child has its own copy
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := readyLine.FindStringSubmatch(line)
	if err != nil || m == nil {
		stop(cmd)
		return nil, "", fmt.Errorf("serve did not print its ready line (%q)", line)
	}
	return cmd, m[1], nil
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
	}
}

// machine describes where the figures come from.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	cores, _ := exec.Command("nproc").Output()
	return fmt.Sprintf("%s, %s cores, no GPU, Linux, loopback", model, strings.TrimSpace(string(cores)))
}
