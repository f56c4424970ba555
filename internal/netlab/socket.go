package netlab

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// inNamespace runs fn on an OS thread that has joined the lab's network
// namespace. A socket belongs to the namespace it was made in, so sockets
// fn opens stay the lab's wherever they are used afterwards. The thread is
// never unlocked: when the goroutine ends, the runtime ends the thread with
// it, so no other goroutine ever runs in the namespace by accident.
func (l *Lab) inNamespace(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + l.Namespace)
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netlab: joining %s: %w", l.Namespace, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Dial connects from inside the namespace, as a program there would.
func (l *Lab) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := l.inNamespace(func() (err error) {
		c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// Listen listens inside the namespace (on FarIP, say).
func (l *Lab) Listen(network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := l.inNamespace(func() (err error) {
		ln, err = net.Listen(network, addr)
		return err
	})
	return ln, err
}

// ListenPacket opens a datagram socket inside the namespace.
func (l *Lab) ListenPacket(network, addr string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := l.inNamespace(func() (err error) {
		pc, err = net.ListenPacket(network, addr)
		return err
	})
	return pc, err
}

// WaitReachable waits until the namespace can open a TCP connection to
// addr: after the link comes back, neighbour entries that failed during
// the outage take a moment to recover.
func (l *Lab) WaitReachable(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := l.Dial(ctx, "tcp", addr)
		cancel()
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not reachable from %s within %v: %v", addr, l.Namespace, timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
