package netlab

import (
	"slices"
	"strconv"
)

// BlockTCP makes the namespace unable to reach TCP port on the host side,
// as a network that lets only UDP through would (the connection attempt
// fails at once). Clear and Close lift it.
func (l *Lab) BlockTCP(port int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.errClosed()
	}
	r := l.newRule(true, "OUTPUT", "block-tcp-"+strconv.Itoa(port),
		"-d", l.HostIP, "-p", "tcp", "--dport", strconv.Itoa(port))
	if err := r.add(); err != nil {
		return err
	}
	l.blocks = append(l.blocks, r)
	return nil
}

// Blocked counts the packets BlockTCP has stopped so far.
func (l *Lab) Blocked() (int64, error) {
	l.mu.Lock()
	blocks := slices.Clone(l.blocks)
	l.mu.Unlock()
	var n int64
	for _, r := range blocks {
		c, err := r.packets()
		if err != nil {
			return n, err
		}
		n += c
	}
	return n, nil
}
