// Package xvfb starts virtual X displays for window tests and benchmarks.
package xvfb

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
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
		if _, err := os.Stat(socket); err == nil {
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

// Stop ends the display.
func (d *Display) Stop() {
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
}
