package netlab

import (
	"fmt"
	"strconv"
)

// lossRule drops a random share p of what arrives through dir. Loss is made
// where the packets arrive: dropping on the sender's OUTPUT would fail its
// sendto with EPERM, which a real lossy link never does. So the downlink's
// rule is the namespace's INPUT from its veth end, and the uplink's the root
// namespace's INPUT from the host end (only this lab's interface: nothing
// else on the machine is touched).
func (l *Lab) lossRule(dir Direction, p float64) *rule {
	prob := strconv.FormatFloat(p, 'f', 4, 64)
	if dir == Downlink {
		return l.newRule(true, "INPUT", "loss-downlink",
			"-i", l.FarIf, "-m", "statistic", "--mode", "random", "--probability", prob)
	}
	return l.newRule(false, "INPUT", "loss-uplink",
		"-i", l.HostIf, "-m", "statistic", "--mode", "random", "--probability", prob)
}

// SetLoss drops a random share p (0 ≤ p < 1) of the packets going dir,
// independently of each other, replacing the loss set before; 0 removes it.
func (l *Lab) SetLoss(dir Direction, p float64) error {
	if p < 0 || p >= 1 {
		return fmt.Errorf("netlab: loss %v is not in [0, 1)", p)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.errClosed()
	}
	if old := l.loss[dir]; old != nil {
		if err := old.remove(); err != nil {
			return err
		}
		l.loss[dir] = nil
	}
	if p == 0 {
		return nil
	}
	r := l.lossRule(dir, p)
	if err := r.add(); err != nil {
		return err
	}
	l.loss[dir] = r
	return nil
}

// Dropped counts the packets this lab's loss has dropped going dir since
// the loss was last set.
func (l *Lab) Dropped(dir Direction) (int64, error) {
	l.mu.Lock()
	r := l.loss[dir]
	l.mu.Unlock()
	if r == nil {
		return 0, nil
	}
	return r.packets()
}
