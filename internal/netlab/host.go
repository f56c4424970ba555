package netlab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// Names that mark what a lab made, with the ID of the process that made it,
// so that a later lab can remove what a killed process left behind.
const (
	nsPrefix  = "netlab-" // namespaces: netlab-PID-N-label
	ifPrefix  = "nl"      // host interfaces: nlPIDhN
	tagPrefix = "netlab:" // iptables comments: netlab:PID:N
)

// lockPath serialises picking a subnet between processes: two test binaries
// (go test runs packages in parallel) must not take the same one.
const lockPath = "/run/netlab.lock"

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func output(args ...string) ([]byte, error) {
	out, err := exec.Command(args[0], args[1:]...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%v: %s", err, bytes.TrimSpace(ee.Stderr))
		}
		return nil, fmt.Errorf("%s: %v", strings.Join(args, " "), err)
	}
	return out, nil
}

// checkTools says what is missing, wrapping ErrUnavailable.
func checkTools() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: not running as root", ErrUnavailable)
	}
	for _, tool := range []string{"ip", "tc", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s not found (Debian: iproute2, iptables)", ErrUnavailable, tool)
		}
	}
	return nil
}

// lockLabs takes the machine-wide lab lock until the returned func is called.
func lockLabs() (func(), error) {
	f, err := os.OpenFile(lockPath, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("netlab lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("netlab lock: %w", err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

var labAddr = regexp.MustCompile(`\binet 10\.213\.(\d+)\.`)

// freeSubnet picks N for 10.213.N.0/24, one that no interface of the root
// namespace has an address in.
func freeSubnet() (int, error) {
	out, err := output("ip", "-o", "-4", "addr", "show")
	if err != nil {
		return 0, err
	}
	used := map[int]bool{}
	for _, m := range labAddr.FindAllSubmatch(out, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		used[n] = true
	}
	for n := 1; n < 255; n++ {
		if !used[n] {
			return n, nil
		}
	}
	return 0, errors.New("netlab: every subnet of 10.213.0.0/16 is in use")
}

func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

func namespaceExists(name string) bool {
	_, err := os.Stat("/run/netns/" + name)
	return err == nil
}

// alive tells whether a process with this ID exists.
func alive(pid int) bool {
	return syscall.Kill(pid, 0) != syscall.ESRCH
}

var (
	staleNamespace = regexp.MustCompile(`^` + nsPrefix + `(\d+)-`)
	staleLink      = regexp.MustCompile(`^` + ifPrefix + `(\d+)h\d+$`)
	staleRule      = regexp.MustCompile(`--comment "?` + tagPrefix + `(\d+):`)
)

// sweepStale removes labs whose process is gone (killed before Close ran):
// their namespaces, host interfaces and root-namespace rules. It runs under
// the lab lock, so no lab is half made while it looks.
func sweepStale() {
	if out, err := output("ip", "netns", "list"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			name, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			if deadOwner(staleNamespace, name) {
				_ = run("ip", "netns", "del", name)
			}
		}
	}
	if ifs, err := os.ReadDir("/sys/class/net"); err == nil {
		for _, e := range ifs {
			if deadOwner(staleLink, e.Name()) {
				_ = run("ip", "link", "del", e.Name())
			}
		}
	}
	if out, err := output("iptables", "-w", "-S", "INPUT"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if deadOwner(staleRule, line) {
				// -S prints each rule as the -A that adds it; the same words
				// after -D delete it.
				spec := strings.Fields(strings.Replace(line, "-A ", "-D ", 1))
				for i, f := range spec {
					spec[i] = strings.Trim(f, `"`)
				}
				_ = run(append([]string{"iptables", "-w"}, spec...)...)
			}
		}
	}
}

func deadOwner(re *regexp.Regexp, s string) bool {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	pid, err := strconv.Atoi(m[1])
	return err == nil && pid != os.Getpid() && !alive(pid)
}
