// Package xvfb starts virtual X displays for window tests and benchmarks.
package xvfb

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Display is a running Xvfb.
type Display struct {
	Name  string // ":N", for DISPLAY
	cmd   *exec.Cmd
	fbDir string // where Xvfb keeps its screen, when asked to
}

// Start runs Xvfb (1280×800, 24-bit) on a display number it picks itself,
// and returns once the server is ready. Xvfb's -displayfd writes the number
// to a pipe when it accepts connections, so there is nothing to poll.
func Start() (*Display, error) { return start("") }

// StartWithFramebuffer is Start with the screen kept in a file in dir
// (Xvfb's -fbdir), which Framebuffer maps to read what is on the display.
func StartWithFramebuffer(dir string) (*Display, error) { return start(dir) }

func start(fbDir string) (*Display, error) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return nil, errors.New("cannot find the Xvfb program: run `make deps`")
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	args := []string{"-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"}
	if fbDir != "" {
		args = append(args, "-fbdir", fbDir)
	}
	cmd := exec.Command("Xvfb", args...)
	cmd.ExtraFiles = []*os.File{w} // fd 3 in Xvfb
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, err
	}
	d := &Display{cmd: cmd, fbDir: fbDir}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		ready <- strings.TrimSpace(line)
	}()
	select {
	case n := <-ready:
		if n == "" {
			d.Stop()
			return nil, errors.New("the Xvfb server exited before it was ready")
		}
		d.Name = ":" + n
		return d, nil
	case <-time.After(10 * time.Second):
		d.Stop()
		return nil, errors.New("the Xvfb server was not ready within 10 s")
	}
}

// Stop ends the display the way that lets Xvfb remove its socket and lock
// file; a server that does not exit within 5 s is killed.
func (d *Display) Stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
}
