package netlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// A capped link queues what it cannot send yet, up to CapQueue's worth of
// the rate, and drops past that, as a home router's uplink does. Far less
// and a sender that overshoots would only see loss; far more (bufferbloat,
// seconds of queue) and it would only see delay, which a call cannot live
// with either. A few hundred milliseconds lets a delay-based congestion
// controller see the queue grow before the first drop, the signal it is
// built to react to, while a sender that ignores it still sees drops within
// a fraction of a second. For 600 kbit/s it is 18.75 kB plus the burst.
const CapQueue = 250 * time.Millisecond

// capBurst is how many bytes tbf may send back to back at line rate: 10 ms
// of the rate, but never less than two full frames, or tbf could not pass a
// 1500-byte packet at all and low caps would stall on timer granularity.
func capBurst(kbps int) int {
	return max(kbps*1000/8/100, 2*(MTU+14))
}

// CapQueueBytes is the most a cap of kbps holds queued (tbf's limit):
// CapQueue at the rate, plus the burst.
func CapQueueBytes(kbps int) int {
	return int(float64(kbps)*1000/8*CapQueue.Seconds()) + capBurst(kbps)
}

// capDevice is the interface that sends dir's traffic: a cap shapes what
// leaves an interface. The downlink leaves through the host end, the uplink
// through the far end, inside the namespace.
func (l *Lab) capDevice(dir Direction) (dev string, inLab bool) {
	if dir == Uplink {
		return l.FarIf, true
	}
	return l.HostIf, false
}

// tc is a tc command line for the namespace (tc -n, which switches only the
// network namespace) or the root one.
func (l *Lab) tc(inLab bool, args ...string) []string {
	if inLab {
		return append([]string{"tc", "-n", l.Namespace}, args...)
	}
	return append([]string{"tc"}, args...)
}

// SetCap limits dir to kbps kilobits a second (a tbf qdisc on the sending
// interface), replacing the cap set before; 0 removes it. Its counters
// start again from zero.
func (l *Lab) SetCap(dir Direction, kbps int) error {
	if kbps < 0 {
		return fmt.Errorf("netlab: cap %d kbit/s is negative", kbps)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return l.errClosed()
	}
	dev, inLab := l.capDevice(dir)
	if l.caps[dir] > 0 {
		if err := run(l.tc(inLab, "qdisc", "del", "dev", dev, "root")...); err != nil {
			return err
		}
		l.caps[dir] = 0
	}
	if kbps == 0 {
		return nil
	}
	args := l.tc(inLab, "qdisc", "add", "dev", dev, "root", "tbf",
		"rate", strconv.Itoa(kbps)+"kbit",
		"burst", strconv.Itoa(capBurst(kbps)),
		"latency", strconv.Itoa(int(CapQueue.Milliseconds()))+"ms")
	if err := run(args...); err != nil {
		return err
	}
	l.caps[dir] = kbps
	return nil
}

// CapStats are a cap's counters since it was set, read from the wire (the
// qdisc), not from any program's idea of what it sent.
type CapStats struct {
	SentBytes    int64 // passed on at the capped rate
	SentPackets  int64
	Dropped      int64 // packets dropped because the queue was full
	BacklogBytes int64 // queued now
	Backlog      int64 // packets queued now
}

// CapStats reads dir's cap counters; there must be a cap on dir.
func (l *Lab) CapStats(dir Direction) (CapStats, error) {
	l.mu.Lock()
	capped := l.caps[dir] > 0
	l.mu.Unlock()
	if !capped {
		return CapStats{}, fmt.Errorf("netlab: no cap on the %s", dir)
	}
	dev, inLab := l.capDevice(dir)
	out, err := output(l.tc(inLab, "-s", "-j", "qdisc", "show", "dev", dev, "root")...)
	if err != nil {
		return CapStats{}, err
	}
	return parseCapStats(out)
}

// parseCapStats reads `tc -s -j qdisc show`'s JSON for the tbf qdisc.
func parseCapStats(data []byte) (CapStats, error) {
	var qdiscs []struct {
		Kind    string `json:"kind"`
		Bytes   int64  `json:"bytes"`
		Packets int64  `json:"packets"`
		Drops   int64  `json:"drops"`
		Backlog int64  `json:"backlog"`
		Qlen    int64  `json:"qlen"`
	}
	if err := json.Unmarshal(data, &qdiscs); err != nil {
		return CapStats{}, fmt.Errorf("netlab: tc's statistics: %v", err)
	}
	for _, q := range qdiscs {
		if q.Kind == "tbf" {
			return CapStats{SentBytes: q.Bytes, SentPackets: q.Packets, Dropped: q.Drops,
				BacklogBytes: q.Backlog, Backlog: q.Qlen}, nil
		}
	}
	return CapStats{}, errors.New("netlab: no tbf qdisc in tc's statistics")
}
