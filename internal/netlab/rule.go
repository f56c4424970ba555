package netlab

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// rule is one iptables rule of a lab, in its namespace or in the root one.
type rule struct {
	lab     *Lab
	inLab   bool // in the lab's namespace (it goes with it) or the root one
	chain   string
	spec    []string // matches; the comment and -j DROP follow
	comment string   // the lab's tag and what the rule is for, unique
}

func (l *Lab) newRule(inLab bool, chain, purpose string, spec ...string) *rule {
	return &rule{lab: l, inLab: inLab, chain: chain, spec: spec, comment: l.tag + ":" + purpose}
}

func (r *rule) iptables(op string) error {
	args := append([]string{"iptables", "-w", op, r.chain}, r.spec...)
	args = append(args, "-m", "comment", "--comment", r.comment, "-j", "DROP")
	return run(r.lab.where(r.inLab, args)...)
}

// where prefixes a command with `ip netns exec` when it is for the namespace.
func (l *Lab) where(inLab bool, args []string) []string {
	if inLab {
		return append([]string{"ip", "netns", "exec", l.Namespace}, args...)
	}
	return args
}

func (r *rule) add() error    { return r.iptables("-A") }
func (r *rule) remove() error { return r.iptables("-D") }

// packets reads the rule's packet counter from `iptables -S -v`, which
// prints each rule with "-c PACKETS BYTES".
func (r *rule) packets() (int64, error) {
	out, err := output(r.lab.where(r.inLab, []string{"iptables", "-w", "-S", r.chain, "-v"})...)
	if err != nil {
		return 0, err
	}
	return ruleCounter(string(out), r.comment)
}

// ruleCounter finds the rule with this comment in `iptables -S -v` output
// and returns its packet count.
func ruleCounter(out, comment string) (int64, error) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if !slices.Contains(f, `"`+comment+`"`) && !slices.Contains(f, comment) {
			continue
		}
		if i := slices.Index(f, "-c"); i >= 0 && i+1 < len(f) {
			return strconv.ParseInt(f[i+1], 10, 64)
		}
	}
	return 0, fmt.Errorf("netlab: no counter for rule %q", comment)
}
