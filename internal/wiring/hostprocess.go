package wiring

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"confer/app"
	"confer/app/livekit"
	"confer/app/roomkeys"
	"confer/internal/procstop"
)

// ServerName is the program that runs room servers. The window's program
// does not link the server: hosting runs this one beside it.
const ServerName = "confer-server"

// LiveKit's usual ports, which "Host on this computer" tries first, as
// `confer-server serve` does.
const (
	hostPort    = 7880
	hostTCPPort = 7881
	hostUDPPort = 7882
)

// hostStartLimit is how long a server has to say it is ready; it starts in
// well under a second.
const hostStartLimit = 20 * time.Second

// hostStopLimit is how long a server has to end after SIGINT (it tells
// everyone in its rooms that it is closing) before it is killed.
const hostStopLimit = 5 * time.Second

// readyPrefix starts the line `serve` prints on stdout once it listens.
const readyPrefix = "confer: room server ready at "

// ServerProgram is the path of confer-server: beside this program, where
// Confer's packages install it, or else on PATH.
func ServerProgram() (string, error) {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), ServerName)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	if p, err := exec.LookPath(ServerName); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s, which comes with Confer and runs room servers, is neither beside this program nor on PATH", ServerName)
}

// StartHost runs a room server for "Host on this computer": confer-server
// as a child process, on LiveKit's usual ports, or on free ones when those
// are taken (another Confer hosting on this machine). The keys are the
// stored ones, which the server reads too.
func StartHost(bind string, log *slog.Logger) (app.Host, error) {
	bin, err := ServerProgram()
	if err != nil {
		return nil, err
	}
	keys, err := roomkeys.LoadOrCreateKeys()
	if err != nil {
		return nil, err
	}
	child, err := startServer(bin, bind, [3]int{hostPort, hostUDPPort, hostTCPPort}, log)
	if err != nil {
		log.Info("the usual ports are taken; hosting on free ones", "err", err)
		child, err = startServer(bin, bind, [3]int{}, log)
	}
	if err != nil {
		return nil, err
	}
	admin, err := livekit.NewAdmin(child.url, keys.APIKey, keys.APISecret)
	if err != nil {
		child.Close()
		return nil, err
	}
	return hosted{child, admin}, nil
}

type hosted struct {
	*serverProcess
	admin *livekit.Admin
}

func (h hosted) URL() string          { return h.url }
func (h hosted) Admin() app.RoomAdmin { return h.admin }

// serverProcess is a running `confer-server serve`.
type serverProcess struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed when the process has been waited for
	once   sync.Once
}

// startServer runs `bin serve` on ports (signalling, UDP, TCP; 0 for free
// ones) and waits until it says it is ready, or has failed and why.
func startServer(bin, bind string, ports [3]int, log *slog.Logger) (*serverProcess, error) {
	cmd := exec.Command(bin, "serve", "--bind", bind, "--port", strconv.Itoa(ports[0]),
		"--rtc-udp-port", strconv.Itoa(ports[1]), "--rtc-tcp-port", strconv.Itoa(ports[2]))
	// The server ends with the window, however the window ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	ready := make(chan string, 1)
	cmd.Stdout = &lineWriter{line: func(l string) {
		if url, ok := strings.CutPrefix(l, readyPrefix); ok {
			select {
			case ready <- strings.TrimSpace(url):
			default:
			}
		}
	}}
	var last atomic.Value // the server's last line on stderr: why it stopped
	last.Store("it gave no reason")
	cmd.Stderr = &lineWriter{line: func(l string) {
		last.Store(l)
		log.Info("room server", "says", l)
	}}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", bin, err)
	}
	p := &serverProcess{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // returns once the output is read to its end
		close(p.exited)
	}()
	select {
	case p.url = <-ready:
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("the room server stopped: %s", last.Load())
	case <-time.After(hostStartLimit):
		p.Close()
		return nil, fmt.Errorf("the room server did not start within %s", hostStartLimit)
	}
}

// lineWriter hands each whole line written to it to line (os/exec's
// copying goroutine writes; Wait waits for it).
type lineWriter struct {
	buf  []byte
	line func(string)
}

func (w *lineWriter) Write(b []byte) (int, error) {
	w.buf = append(w.buf, b...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		w.line(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
	}
}

// Close asks the server to stop, and kills it if it has not within
// hostStopLimit; it returns once the process is gone.
func (p *serverProcess) Close() {
	p.once.Do(func() {
		procstop.Stop(p.cmd.Process, p.exited, hostStopLimit)
	})
}
