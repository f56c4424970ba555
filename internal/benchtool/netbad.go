package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"confer/internal/netlab"
)

// The "Bad networks" part: a participant behind a lossy, capped or cut link
// (a netlab namespace), its counterpart beside the server. Under each
// condition a Confer bot and then Chromium with livekit-client take the same
// role, one after the other, with the same lab settings.
const (
	netbadSeconds = 20              // each client's run under a condition
	outageSettle  = 5 * time.Second // the call runs this long before the link is cut
	// What every sender publishes: Confer's standard quality.
	netbadWidth, netbadHeight, netbadFPS, netbadKbps = 1280, 720, 30, 1500
)

// role is what the participant behind the condition does.
type role int

const (
	receiving role = iota // receives a camera published beside the server
	sending               // publishes a camera to a Confer bot beside the server
)

// condition is one bad network.
type condition struct {
	name    string // for -netbad and the tables: down-loss-10, up-cap-600, outage-5s
	family  string
	role    role
	dir     netlab.Direction // of the loss or cap
	loss    float64
	capKbps int
	outage  time.Duration
}

// families, in the report's order.
var families = []struct{ name, title, what string }{
	{"down-loss", "Random loss on a receiver's downlink",
		"The receiver is behind the link; a random share of the packets to it is dropped (iptables, in its namespace)."},
	{"up-loss", "Random loss on a sender's uplink",
		"The sender is behind the link; a random share of its packets is dropped where they arrive. A Confer bot beside the server receives and measures."},
	{"up-cap", "A cap on a sender's uplink",
		"The sender is behind the link, capped by a token bucket on its side (tbf, 250 ms of queue). A Confer bot beside the server receives and measures."},
	{"down-cap", "A cap on a receiver's downlink",
		"The receiver is behind the link, capped by a token bucket on the server's side of it: what the server sends must fit."},
	{"outage", "The receiver's link cut",
		"The receiver's link goes down 5 s into the call and comes back after the outage; the run goes on for 20 s after that."},
}

// conditions lists every condition of the part, in the report's order.
func conditions() []condition {
	var out []condition
	for _, p := range []int{0, 5, 10, 20, 30} {
		out = append(out, condition{name: fmt.Sprintf("down-loss-%d", p), family: "down-loss",
			role: receiving, dir: netlab.Downlink, loss: float64(p) / 100})
	}
	for _, p := range []int{0, 5, 10, 20, 30} {
		out = append(out, condition{name: fmt.Sprintf("up-loss-%d", p), family: "up-loss",
			role: sending, dir: netlab.Uplink, loss: float64(p) / 100})
	}
	for _, k := range []int{300, 600, 1500} {
		out = append(out, condition{name: fmt.Sprintf("up-cap-%d", k), family: "up-cap",
			role: sending, dir: netlab.Uplink, capKbps: k})
	}
	for _, k := range []int{300, 600, 1500} {
		out = append(out, condition{name: fmt.Sprintf("down-cap-%d", k), family: "down-cap",
			role: receiving, dir: netlab.Downlink, capKbps: k})
	}
	for _, d := range []time.Duration{5 * time.Second, 40 * time.Second} {
		out = append(out, condition{name: fmt.Sprintf("outage-%ds", int(d.Seconds())), family: "outage",
			role: receiving, outage: d})
	}
	return out
}

// selectConditions picks the conditions spec names: a comma-separated list
// of names (down-loss-10) or families (up-cap); empty means all.
func selectConditions(spec string) ([]condition, error) {
	all := conditions()
	if strings.TrimSpace(spec) == "" {
		return all, nil
	}
	var names []string
	for _, c := range all {
		names = append(names, c.name)
	}
	picked := map[string]bool{}
	for _, want := range strings.Split(spec, ",") {
		want = strings.TrimSpace(want)
		found := false
		for _, c := range all {
			if c.name == want || c.family == want {
				picked[c.name], found = true, true
			}
		}
		if !found && want != "" {
			return nil, fmt.Errorf("-netbad: no condition or family %q (conditions: %s)", want, strings.Join(names, ", "))
		}
	}
	return slices.DeleteFunc(all, func(c condition) bool { return !picked[c.name] }), nil
}

// apply sets the condition's loss or cap on a lab that has none; an outage
// is made during the run (see cutLink).
func (c condition) apply(l *netlab.Lab) error {
	if err := l.Clear(); err != nil {
		return err
	}
	if c.loss > 0 {
		return l.SetLoss(c.dir, c.loss)
	}
	if c.capKbps > 0 {
		return l.SetCap(c.dir, c.capKbps)
	}
	return nil
}

// runFor is how long a client's run lasts under c.
func (c condition) runFor() time.Duration {
	if c.outage > 0 {
		return outageSettle + c.outage + netbadSeconds*time.Second
	}
	return netbadSeconds * time.Second
}

// Clients compared under each condition.
const (
	clientConfer  = "Confer"
	clientBrowser = "Chromium"
)

// selectClients reads -netbad-clients: confer, browser or both.
func selectClients(spec string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(spec, ",") {
		switch strings.TrimSpace(c) {
		case "confer":
			out = append(out, clientConfer)
		case "browser":
			out = append(out, clientBrowser)
		case "":
		default:
			return nil, fmt.Errorf("-netbad-clients: %q is neither confer nor browser", c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-netbad-clients: name confer, browser or both")
	}
	return out, nil
}
