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
	flag.Parse()
	if err := run(*bin, *out, *joins); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(bin, out string, joins int) error {
	work, err := os.MkdirTemp("", "confer-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	srv, url, err := startServe(bin, work)
	if err != nil {
		return err
	}
	defer stop(srv)

	r := &report{machine: machine(), date: time.Now().UTC().Format("2006-01-02")}
	fmt.Fprintln(os.Stderr, "bench: join → first frame,", joins, "joins")
	if err := measureJoins(bin, url, work, joins, r); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "bench: audio capture → playback device,", audioSeconds, "s")
	if err := measureAudio(bin, url, work, r); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "bench: CPU of one 720p stream, sent and received,", streamSeconds, "s")
	if err := measureStreams(bin, url, work, &r.calls); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "bench: a 4-party 720p call,", partySeconds, "s")
	if err := measureParty(bin, url, work, srv.Process.Pid, &r.calls); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "bench: Confer beside Chromium with livekit-client, 3 × 720p30,", compareSeconds, "s each")
	if err := measureCompare(bin, url, work, &r.compare); err != nil {
		// The other figures stand; the report says why this one is missing.
		fmt.Fprintln(os.Stderr, "bench: browser comparison:", err)
		r.compare.err = err.Error()
	}
	fmt.Fprintln(os.Stderr, "bench: Go micro-benchmarks")
	if r.micro, err = microBenchmarks(); err != nil {
		return err
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

var readyLine = regexp.MustCompile(`room server ready at (ws://\S+)`)

func startServe(bin, work string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, "serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
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
