// Package soak holds a call for a long time with real processes, a
// `confer serve` and four `confer bot`s on loopback, and keeps what each
// process reports of itself (goroutines, resident memory, open files) at a
// fixed interval, to show whether anything grows while nothing changes.
// `make soak` runs it for 30 minutes; the root package's TestSoakShort for
// three.
package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"confer/internal/bot"
)

// Config says how long and how the soak runs. Zero values get defaults.
type Config struct {
	Bin      string        // the confer binary
	Duration time.Duration // how long the bots stay in the call
	Every    time.Duration // each process reports this often (default 1 min)
	Warmup   time.Duration // growth counts from the first report after this (default 5 min)
	NumBots  int           // bots in the call; default 4
	// Each bot sends a small picture, so that four of them cost little CPU
	// over half an hour: what leaks per frame still shows.
	Width, Height, FPS, BitrateKbps int
	Log                             io.Writer // every line the processes print; nil for none
}

func (c *Config) defaults() {
	if c.Every <= 0 {
		c.Every = time.Minute
	}
	if c.Warmup <= 0 {
		c.Warmup = 5 * time.Minute
	}
	if c.NumBots <= 0 {
		c.NumBots = 4
	}
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = 160, 120
	}
	if c.FPS <= 0 {
		c.FPS = 15
	}
	if c.BitrateKbps <= 0 {
		c.BitrateKbps = 150
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
}

// Result is what the soak saw.
type Result struct {
	Config
	Start     time.Time
	Server    *Process
	Bots      []*Process
	ServerCPU float64 // seconds over the call
	Stats     map[string]*bot.Stats
}

var readyLine = regexp.MustCompile(`room server ready at (wss?://\S+)`)

// Run holds the call for cfg.Duration and returns what the processes
// reported. It fails if a process cannot start or a bot ends with an error;
// whether the figures are good is for the caller to judge (Growth, Freeze).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg.defaults()
	work, err := os.MkdirTemp("", "confer-soak")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	env := append(os.Environ(), "XDG_CONFIG_HOME="+work)
	r := &Result{Config: cfg, Start: time.Now(), Stats: map[string]*bot.Stats{}}

	srv, url, err := startServer(cfg, env, r.Start)
	if err != nil {
		return nil, err
	}
	defer srv.stop(10 * time.Second)
	r.Server = srv
	cpu0 := srv.cpuSeconds()
	for i := 1; i <= cfg.NumBots; i++ {
		b, err := startBot(cfg, env, work, url, fmt.Sprintf("bot%d", i), r.Start)
		if err != nil {
			return nil, err
		}
		defer b.stop(10 * time.Second) // only if Run returns early
		r.Bots = append(r.Bots, b)
	}
	if err := waitBots(ctx, r.Bots); err != nil {
		return nil, err
	}
	r.ServerCPU = srv.cpuSeconds() - cpu0
	for _, b := range r.Bots {
		st, err := readStats(filepath.Join(work, b.Name+".json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Name, err)
		}
		r.Stats[b.Name] = st
	}
	return r, nil
}

func startServer(cfg Config, env []string, t0 time.Time) (*Process, string, error) {
	args := []string{"serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0", "--report-every", cfg.Every.String()}
	p, stdout, err := start("server", cfg.Bin, args, env, t0, cfg.Log)
	if err != nil {
		return nil, "", err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := readyLine.FindStringSubmatch(line)
	if err != nil || m == nil {
		p.stop(time.Second)
		return nil, "", fmt.Errorf("the server did not say it was ready (%q, %v)", line, err)
	}
	go io.Copy(io.Discard, stdout) // the ready line is the only one
	return p, m[1], nil
}

func startBot(cfg Config, env []string, work, url, name string, t0 time.Time) (*Process, error) {
	args := []string{"bot", "--server", url, "--room", "soak", "--name", name, "--user", name,
		"--width", fmt.Sprint(cfg.Width), "--height", fmt.Sprint(cfg.Height), "--fps", fmt.Sprint(cfg.FPS),
		"--bitrate", fmt.Sprint(cfg.BitrateKbps), "--play=false", "--duration", cfg.Duration.String(),
		"--report-every", cfg.Every.String(), "--stats", filepath.Join(work, name+".json")}
	p, stdout, err := start(name, cfg.Bin, args, env, t0, cfg.Log)
	if err != nil {
		return nil, err
	}
	go io.Copy(io.Discard, stdout) // a bot prints nothing there without --stats -
	return p, nil
}

// waitBots waits for every bot to end by itself, at the end of its
// duration; ctx ending first stops them.
func waitBots(ctx context.Context, bots []*Process) error {
	for _, b := range bots {
		select {
		case <-b.exited:
		case <-ctx.Done():
			return ctx.Err()
		}
		if b.err != nil {
			return fmt.Errorf("%s ended with %v", b.Name, b.err)
		}
	}
	return nil
}

func readStats(path string) (*bot.Stats, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st bot.Stats
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, err
	}
	return &st, nil
}
