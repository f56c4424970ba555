package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"confer/internal/bot"
)

// conferBin and serverBin are the programs TestMain builds, side by side.
var conferBin, serverBin string

// TestMain builds the real programs once; the tests below run them as a
// person or a script would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "confer-bin")
	if err != nil {
		panic(err)
	}
	// Both programs, side by side as packages install them: `confer serve`
	// and the window's hosting run confer-server.
	conferBin, serverBin = filepath.Join(dir, "confer"), filepath.Join(dir, "confer-server")
	for _, build := range [][]string{
		{"-tags", "migrated_fynedo", "-o", conferBin, "."},
		{"-o", serverBin, "./cmd/confer-server"},
	} {
		out, err := exec.Command("go", append([]string{"build"}, build...)...).CombinedOutput()
		if err != nil {
			os.Stderr.Write(out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var readyLine = regexp.MustCompile(`^confer: room server ready at (wss?://[0-9.]+:\d+)$`)

// startServe runs `confer serve` on free ports and returns its URL once the
// ready line is printed.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string) {
	t.Helper()
	return startServeIn(t, t.TempDir(), args...)
}

// startServeIn runs `confer serve` with its keys kept in cfgDir.
func startServeIn(t *testing.T, cfgDir string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(conferBin, append([]string{"serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0"}, args...)...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+cfgDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-registered first: the server is ended before its
	// log is read.
	cmd.Stderr = logTailOnFailure(t, "confer serve")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line := <-lines:
		m := readyLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("first line %q is not the ready line", line)
		}
		go func() {
			for range lines {
			}
		}()
		return cmd, m[1]
	case <-time.After(20 * time.Second):
		t.Fatal("no ready line within 20 s")
	}
	return nil, ""
}

func TestServeAcceptsBotsAndStopsOnSIGTERM(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg) // the admin list that waitListed runs
	serve, url := startServeIn(t, cfg)
	dir := t.TempDir()
	runBot := func(user, dur string) *exec.Cmd {
		c := exec.Command(conferBin, "bot", "--server", url, "--room", "8888", "--name", "Bot "+user,
			"--user", user, "--duration", dur, "--width", "320", "--height", "240",
			"--stats", filepath.Join(dir, user+".json"))
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := runBot("a", "5s")
	waitListed(t, url, "8888", "a")
	b := runBot("b", "3s")
	for _, c := range []*exec.Cmd{a, b} {
		if err := c.Wait(); err != nil {
			t.Fatalf("bot %v: %v", c.Args, err)
		}
	}
	st := readStats(t, filepath.Join(dir, "b.json"))
	if !st.Joined || st.End != bot.EndDuration || st.Room != "8888" || st.User != "b" {
		t.Fatalf("stats of b: %+v", st)
	}
	ra := st.Remotes["a"]
	if ra == nil || ra.FramesDecoded < 30 || ra.FPS < 20 || ra.Width != 320 || ra.AudioFramesDecoded < 50 {
		t.Fatalf("b received from a: %+v", ra)
	}
	if ra.AudioLevel < 0.1 || ra.AudioFrequencyHz < 430 || ra.AudioFrequencyHz > 450 {
		t.Fatalf("b heard a at level %.3f, %.1f Hz; want the 440 Hz tone", ra.AudioLevel, ra.AudioFrequencyHz)
	}
	if ra.VideoLatencyMS.P50 <= 0 || ra.VideoLatencyMS.P95 < ra.VideoLatencyMS.P50 {
		t.Fatalf("latency percentiles %+v", ra.VideoLatencyMS)
	}
	if st.CPUSeconds <= 0 || st.MaxRSSMB <= 0 {
		t.Fatalf("resource figures missing: %+v", st)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve still running 10 s after SIGTERM")
	}
}

func TestBotThatCannotJoinFails(t *testing.T) {
	_, url := startServe(t, "--password", "sesame")
	stats := filepath.Join(t.TempDir(), "s.json")
	cmd := exec.Command(conferBin, "bot", "--server", url, "--room", "8888", "--name", "X",
		"--password", "wrong", "--video", "none", "--audio", "none", "--stats", stats)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("bot with a wrong password exited 0")
	}
	if !strings.Contains(string(out), "wrong password") {
		t.Errorf("output %q does not say wrong password", out)
	}
	if st := readStats(t, stats); st.Joined {
		t.Errorf("stats say joined: %+v", st)
	}
}

func TestTokenCommandMakesTokensTheServerAccepts(t *testing.T) {
	cfgDir := t.TempDir()
	cmd := exec.Command(conferBin, "token", "--room", "r1", "--user", "u1", "--name", "U One")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+cfgDir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	tok := strings.TrimSpace(string(out))
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("output %q is not a JWT", tok)
	}
	// A server started with the same config dir shares the keys.
	serve := exec.Command(conferBin, "serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0")
	serve.Env = cmd.Env
	serve.Stderr = os.Stderr
	stdout, _ := serve.StdoutPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Kill(); _ = serve.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	m := readyLine.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		t.Fatalf("ready line: %q", line)
	}
	go io.Copy(io.Discard, stdout)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := exec.CommandContext(ctx, conferBin, "bot", "--server", m[1], "--room", "r1", "--user", "u1",
		"--name", "U One", "--token", tok, "--video", "none", "--audio", "none", "--duration", "500ms")
	if out, err := b.CombinedOutput(); err != nil {
		t.Fatalf("bot with the token: %v\n%s", err, out)
	}
}

func readStats(t *testing.T, path string) bot.Stats {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	var st bot.Stats
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("stats JSON: %v\n%s", err, data)
	}
	return st
}
