// Package testenv starts the real parts tests run against: a LiveKit node
// on random loopback ports, and a goroutine leak check that follows every
// goroutine a piece of code started, however deep.
package testenv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"confer/app/host"
	"confer/app/roomkeys"
	"confer/internal/procstop"
)

// Keys used by test servers.
var Keys = roomkeys.Keys{APIKey: "APIconfertest", APISecret: strings.Repeat("t", 40)}

// Server is a running room server.
type Server interface {
	URL() string
	Close() error
}

// StartServer runs a room server on random loopback ports and stops it
// when the test ends: in-process, or, under the race detector, as a
// `confer-server serve` process (livekit-server's own races would fail our
// tests).
func StartServer(t testing.TB, mod ...func(*host.Config)) Server {
	t.Helper()
	cfg := host.Config{Keys: Keys, Log: QuietLog(), LogLevel: "fatal"}
	if os.Getenv("CONFER_TEST_LOG") != "" {
		cfg.LogLevel = "debug"
	}
	for _, m := range mod {
		m(&cfg)
	}
	if RaceEnabled {
		return startProcess(t, cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := host.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("room server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// QuietLog discards everything, unless CONFER_TEST_LOG is set, when it
// writes everything to stderr.
func QuietLog() *slog.Logger {
	if os.Getenv("CONFER_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// ServerProgram builds confer-server once per test process, without
// -race, and returns its path.
func ServerProgram() (string, error) {
	buildOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = err
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		dir, err := os.MkdirTemp("", "confer-testserver")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "confer-server")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/confer-server")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("%v: %s", err, out)
		}
	})
	return binPath, buildErr
}

var readyLine = regexp.MustCompile(`room server ready at (wss?://\S+)`)

type process struct {
	cmd  *exec.Cmd
	url  string
	once sync.Once
}

func (p *process) URL() string { return p.url }

// Close stops the server as SIGTERM would (participants see it go away).
func (p *process) Close() error {
	p.once.Do(func() {
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		procstop.Stop(p.cmd.Process, done, 10*time.Second)
	})
	return nil
}

func startProcess(t testing.TB, cfg host.Config) Server {
	t.Helper()
	bin, err := ServerProgram()
	if err != nil {
		t.Fatalf("building the room server: %v", err)
	}
	args := []string{"serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0",
		"--api-key", cfg.Keys.APIKey, "--api-secret", cfg.Keys.APISecret,
		"--max-participants", strconv.Itoa(cfg.MaxParticipants)}
	if cfg.Password != "" {
		args = append(args, "--password", cfg.Password)
	}
	if cfg.TLSCertFile != "" {
		args = append(args, "--tls-cert", cfg.TLSCertFile, "--tls-key", cfg.TLSKeyFile)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() { p.Close() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := readyLine.FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("room server did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, stdout)
	p.url = m[1]
	return p
}
