package display

import (
	"errors"
	"net"
	"slices"
	"strconv"
	"testing"
)

func TestDisplayForms(t *testing.T) {
	cases := []struct {
		display string
		want    []socket
	}{
		{":0", []socket{{"unix", "@/tmp/.X11-unix/X0"}, {"unix", "/tmp/.X11-unix/X0"}}},
		{":99.0", []socket{{"unix", "@/tmp/.X11-unix/X99"}, {"unix", "/tmp/.X11-unix/X99"}}},
		{"unix:1", []socket{{"unix", "@/tmp/.X11-unix/X1"}, {"unix", "/tmp/.X11-unix/X1"}}},
		{"localhost:10.0", []socket{{"tcp", "localhost:6010"}}},
		{"::1:2", []socket{{"tcp", "[::1]:6002"}}},
	}
	for _, c := range cases {
		got, ok := sockets(c.display)
		if !ok || !slices.Equal(got, c.want) {
			t.Errorf("%q: %v, %v; want %v", c.display, got, ok, c.want)
		}
	}
	for _, odd := range []string{"wayland-0", ":x", "host:"} {
		if _, ok := sockets(odd); ok {
			t.Errorf("%q was read as an X display", odd)
		}
	}
}

func TestCheckNeedsAServerThatAnswers(t *testing.T) {
	if err := Check(""); !errors.Is(err, ErrNone) {
		t.Errorf("no DISPLAY: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if port < 6000 {
		l.Close()
		t.Skipf("port %d is below X's 6000", port)
	}
	display := "127.0.0.1:" + strconv.Itoa(port-6000)
	if err := Check(display); err != nil {
		t.Errorf("a listening server at %s: %v", display, err)
	}
	l.Close()
	var na *NotAnsweringError
	if err := Check(display); !errors.As(err, &na) || na.Display != display {
		t.Errorf("nothing at %s: %v", display, err)
	}
	// A local display number nobody uses: neither socket exists.
	if err := Check(":" + strconv.Itoa(59000+port%500)); !errors.As(err, &na) {
		t.Errorf("unused local display: %v", err)
	}
}
