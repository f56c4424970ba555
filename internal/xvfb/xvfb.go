// Package xvfb starts virtual X displays for window tests and benchmarks.
package xvfb

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Display is a running Xvfb.
type Display struct {
	Name string // ":N", for DISPLAY
	cmd  *exec.Cmd
}

// Start runs Xvfb (1280×800, 24-bit) on the first free display number from
// first on, and returns once its socket exists.
func Start(first int) (*Display, error) {
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return nil, errors.New("Xvfb is missing: run `make deps`")
	}
	for n := first; n < first+50; n++ {
		socket := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		if inUse(n, socket) {
			continue
		}
		d := &Display{Name: fmt.Sprintf(":%d", n)}
		d.cmd = exec.Command("Xvfb", d.Name, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
		if err := d.cmd.Start(); err != nil {
			return nil, err
		}
		for i := 0; i < 100; i++ {
			if _, err := os.Stat(socket); err == nil {
				return d, nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		d.Stop()
		return nil, fmt.Errorf("Xvfb %s did not start", d.Name)
	}
	return nil, errors.New("no free X display number")
}

// inUse tells whether display n belongs to a running X server. A socket
// nobody answers on is left over from a server that was killed: it and its
// lock file are removed, and the number is free again.
func inUse(n int, socket string) bool {
	if _, err := os.Stat(socket); err != nil {
		return false
	}
	if c, err := net.DialTimeout("unix", socket, time.Second); err == nil {
		c.Close()
		return true
	}
	_ = os.Remove(socket)
	_ = os.Remove(fmt.Sprintf("/tmp/.X%d-lock", n))
	return false
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
