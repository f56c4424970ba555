package soak

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"confer/internal/procstop"
)

// Sample is what one process said of itself at one moment (its
// --report-every line).
type Sample struct {
	At         time.Duration // since the bots were started
	Goroutines int
	RSSMB      float64
	HeapMB     float64
	FDs        int
}

// Process is one running confer process and what it reported.
type Process struct {
	Name string
	cmd  *exec.Cmd
	t0   time.Time // the soak's zero, for Sample.At

	mu      sync.Mutex
	samples []Sample // guarded by mu
	exited  chan struct{}
	err     error // cmd.Wait's, once exited is closed
}

// Samples returns a copy of the samples so far.
func (p *Process) Samples() []Sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Sample(nil), p.samples...)
}

var reportLine = regexp.MustCompile(`^confer: report goroutines=(\d+) rss_mb=([-0-9.]+) heap_mb=([-0-9.]+) fds=(-?\d+)$`)

// ParseReport reads a --report-every line; ok is false for any other line.
func ParseReport(line string) (s Sample, ok bool) {
	m := reportLine.FindStringSubmatch(line)
	if m == nil {
		return s, false
	}
	s.Goroutines, _ = strconv.Atoi(m[1])
	s.RSSMB, _ = strconv.ParseFloat(m[2], 64)
	s.HeapMB, _ = strconv.ParseFloat(m[3], 64)
	s.FDs, _ = strconv.Atoi(m[4])
	return s, true
}

// start runs bin with args. Report lines on stderr become samples; every
// other line goes to log with the process's name in front.
func start(name, bin string, args []string, env []string, t0 time.Time, log io.Writer) (*Process, io.Reader, error) {
	p := &Process{Name: name, cmd: exec.Command(bin, args...), t0: t0, exited: make(chan struct{})}
	p.cmd.Env = env
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, nil, err
	}
	read := make(chan struct{})
	go func() {
		p.readReports(stderr, log)
		close(read)
	}()
	go func() {
		<-read // Wait closes the pipe: read it to the end first
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p, stdout, nil
}

func (p *Process) readReports(r io.Reader, log io.Writer) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if s, ok := ParseReport(line); ok {
			s.At = time.Since(p.t0)
			p.mu.Lock()
			p.samples = append(p.samples, s)
			p.mu.Unlock()
			continue
		}
		fmt.Fprintf(log, "[%s] %s\n", p.Name, line)
	}
}

// stop asks the process to end as Ctrl+C would, and kills it if it has
// not after grace.
func (p *Process) stop(grace time.Duration) {
	procstop.Stop(p.cmd.Process, p.exited, grace)
}

// cpuSeconds is the process's user and system time so far, from /proc.
func (p *Process) cpuSeconds() float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ is 100 on Linux
}
