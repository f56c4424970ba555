// Package display checks that there is an X display to open a window on
// before Fyne tries: Fyne's GLFW driver is built for X11 (XWayland on a
// Wayland desktop), and without a display it panics deep in its run loop
// ("The GLFW library is not initialized") instead of saying so.
package display

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// ErrNone says DISPLAY is not set.
var ErrNone = errors.New("no display: set DISPLAY or run on a desktop session; `confer serve` runs without one")

// NotAnsweringError says nothing listens where DISPLAY points.
type NotAnsweringError struct {
	Display string
}

func (e *NotAnsweringError) Error() string {
	return fmt.Sprintf("no X server answers at DISPLAY=%s: start one or run on a desktop session; `confer serve` runs without one", e.Display)
}

// dialTimeout bounds the check of a display on another host.
const dialTimeout = 3 * time.Second

// Check returns nil when an X server takes connections at display, the
// value of DISPLAY. A form of DISPLAY it does not know passes: the window
// library has the last word.
func Check(display string) error {
	if display == "" {
		return ErrNone
	}
	addrs, ok := sockets(display)
	if !ok {
		return nil
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout(a.network, a.addr, dialTimeout); err == nil {
			c.Close()
			return nil
		}
	}
	return &NotAnsweringError{Display: display}
}

type socket struct{ network, addr string }

// sockets is where the X server of display ([host]:N[.screen]) listens:
// a local one on the abstract socket or the file /tmp/.X11-unix/XN (Xlib
// tries both, in that order), one on another host on TCP port 6000+N.
func sockets(display string) ([]socket, bool) {
	i := strings.LastIndex(display, ":")
	if i < 0 {
		return nil, false
	}
	host, num := display[:i], display[i+1:]
	num, _, _ = strings.Cut(num, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 59535 {
		return nil, false
	}
	if host == "" || host == "unix" {
		path := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		return []socket{{"unix", "@" + path}, {"unix", path}}, true
	}
	return []socket{{"tcp", net.JoinHostPort(host, strconv.Itoa(6000+n))}}, true
}
