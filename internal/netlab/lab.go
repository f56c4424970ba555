// Package netlab builds small Linux network labs for tests and benchmarks: a
// network namespace joined to this one by a veth pair, whose link can be cut,
// made lossy (iptables' statistic match) or capped (a tbf qdisc). This
// kernel has no netem, so loss is random dropping on the receiving side and
// a cap is a token bucket on the sending side.
//
// Every lab uses addresses of its own in 10.213.0.0/16 and touches nothing
// else: traffic goes between this machine's root namespace and the lab's.
// Labs need root, iproute2 (ip, tc) and iptables; without them New returns
// an error wrapping ErrUnavailable, which tests turn into a skip.
package netlab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrUnavailable is wrapped by New's error when this machine cannot run a
// lab: not root, or ip, tc or iptables missing, or namespaces not allowed.
var ErrUnavailable = errors.New("network labs need root, iproute2 (ip, tc) and iptables")

// MTU of both ends of the veth pair, as on an Ethernet link.
const MTU = 1500

// Lab is a network namespace (the far side) joined to the root namespace
// (the host side) by a veth pair. Its methods are safe for concurrent use.
type Lab struct {
	Namespace string // for `ip netns exec`
	HostIf    string // the veth end in the root namespace
	FarIf     string // the veth end inside the namespace
	HostIP    string // HostIf's address: what the far side dials
	FarIP     string // FarIf's address
	tag       string // comment on this lab's iptables rules in the root namespace

	mu     sync.Mutex
	loss   [2]*rule // per Direction
	blocks []*rule  // BlockTCP
	caps   [2]int   // kbit/s per Direction, 0 for none
	closed bool
}

// Direction is one way through a lab's link.
type Direction int

const (
	// Downlink is traffic from the host side into the namespace.
	Downlink Direction = iota
	// Uplink is traffic from the namespace out to the host side.
	Uplink
)

func (d Direction) String() string {
	if d == Uplink {
		return "uplink"
	}
	return "downlink"
}

// labs counts this process's labs: with the process ID it makes names that
// no other lab, here or in another test binary, uses at the same time.
var labs atomic.Int32

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// New makes a lab: the namespace, the veth pair (MTU 1500, both ends up,
// addresses HostIP/24 and FarIP/24) and the namespace's loopback. name only
// labels it (in the namespace's name); several labs may share one. On error
// nothing is left behind.
func New(name string) (*Lab, error) {
	if err := checkTools(); err != nil {
		return nil, err
	}
	n := labs.Add(1) % 10000
	pid := os.Getpid()
	label := unsafeName.ReplaceAllString(strings.ToLower(name), "-")
	if len(label) > 24 {
		label = label[:24]
	}
	l := &Lab{
		Namespace: fmt.Sprintf("%s%d-%d-%s", nsPrefix, pid, n, label),
		// Interface names have at most 15 bytes: "nl" + pid (≤ 7) + side + n (≤ 4).
		HostIf: fmt.Sprintf("%s%dh%d", ifPrefix, pid, n),
		FarIf:  fmt.Sprintf("%s%df%d", ifPrefix, pid, n),
		tag:    fmt.Sprintf("%s%d:%d", tagPrefix, pid, n),
	}
	unlock, err := lockLabs()
	if err != nil {
		return nil, err
	}
	defer unlock()
	sweepStale()
	subnet, err := freeSubnet()
	if err != nil {
		return nil, err
	}
	l.HostIP, l.FarIP = fmt.Sprintf("10.213.%d.1", subnet), fmt.Sprintf("10.213.%d.2", subnet)
	if err := l.build(); err != nil {
		_ = l.Close()
		return nil, err
	}
	return l, nil
}

// build makes the namespace and the link. The first step failing means
// namespaces are not ours to make here.
func (l *Lab) build() error {
	if err := run("ip", "netns", "add", l.Namespace); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	mtu := fmt.Sprint(MTU)
	steps := [][]string{
		{"ip", "link", "add", l.HostIf, "mtu", mtu, "type", "veth", "peer", "name", l.FarIf, "mtu", mtu},
		{"ip", "link", "set", l.FarIf, "netns", l.Namespace},
		{"ip", "addr", "add", l.HostIP + "/24", "dev", l.HostIf},
		{"ip", "link", "set", l.HostIf, "up"},
		{"ip", "-n", l.Namespace, "addr", "add", l.FarIP + "/24", "dev", l.FarIf},
		{"ip", "-n", l.Namespace, "link", "set", l.FarIf, "up"},
		{"ip", "-n", l.Namespace, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(s...); err != nil {
			return err
		}
	}
	return nil
}

// Command is a program run inside the namespace (through `ip netns exec`,
// which execs it: the process's ID is the program's).
func (l *Lab) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", l.Namespace, name}, args...)...)
}

// SetLink brings the link up or down, as pulling a cable would: the host
// side goes down, and the far side loses its carrier. Nothing passes either
// way until it is up again.
func (l *Lab) SetLink(up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	return run("ip", "link", "set", l.HostIf, state)
}

// Clear takes away every condition: loss, caps and blocks go, and the link
// is up.
func (l *Lab) Clear() error {
	errs := []error{l.SetLink(true)}
	for _, d := range []Direction{Downlink, Uplink} {
		errs = append(errs, l.SetLoss(d, 0), l.SetCap(d, 0))
	}
	l.mu.Lock()
	for _, r := range l.blocks {
		errs = append(errs, r.remove())
	}
	l.blocks = nil
	l.mu.Unlock()
	return errors.Join(errs...)
}

// Close removes the lab: its rules in the root namespace, the veth pair
// (and with it the qdiscs) and the namespace. It may be called again, and
// after a failed New.
func (l *Lab) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var errs []error
	// Rules inside the namespace go with it; those in the root namespace
	// would outlive the interface they name.
	for _, r := range l.loss {
		if r != nil && !r.inLab {
			errs = append(errs, r.remove())
		}
	}
	l.loss = [2]*rule{}
	if linkExists(l.HostIf) {
		errs = append(errs, run("ip", "link", "del", l.HostIf))
	}
	if namespaceExists(l.Namespace) {
		errs = append(errs, run("ip", "netns", "del", l.Namespace))
	}
	return errors.Join(errs...)
}

func (l *Lab) errClosed() error { return fmt.Errorf("netlab: %s is closed", l.Namespace) }

func (l *Lab) String() string {
	return fmt.Sprintf("lab %s (%s %s ↔ %s %s)", l.Namespace, l.HostIf, l.HostIP, l.FarIf, l.FarIP)
}
