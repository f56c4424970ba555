package cli

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
)

// run runs a command line as main would and returns the exit status and
// what it printed on stderr.
func run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(Program{Name: "confer", Usage: "usage\n"}, args, &stdout, &stderr)
	return code, stderr.String()
}

func TestEachMissingFlagIsNamedInOneSentence(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	cases := []struct {
		args []string
		want []string // the flags named, one line each, in order
	}{
		{[]string{"bot"}, []string{"server", "room", "name"}},
		{[]string{"bot", "--server", "127.0.0.1:7880", "--room", "r1", "--name", ""}, []string{"name"}},
		{[]string{"bot", "--server", "127.0.0.1:7880", "--name", "Ana"}, []string{"room"}},
		{[]string{"token", "--room", "r1"}, []string{"user"}},
		{[]string{"token", "--user", "u1", "--name", "U"}, []string{"room"}},
		{[]string{"admin", "remove", "--room", "r1"}, []string{"user"}},
		{[]string{"admin", "remove"}, []string{"room", "user"}},
		{[]string{"admin", "close"}, []string{"room"}},
	}
	for _, c := range cases {
		code, stderr := run(t, c.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 2 || len(lines) != len(c.want) {
			t.Errorf("%q: exit %d, printed:\n%s\nwant exit 2 and one line for each of %v", c.args, code, stderr, c.want)
			continue
		}
		for i, flag := range c.want {
			if !strings.HasPrefix(lines[i], "confer "+c.args[0]) || !strings.Contains(lines[i], "needs --"+flag+":") ||
				!strings.HasSuffix(lines[i], ".") {
				t.Errorf("%q: line %q does not say what --%s is missing", c.args, lines[i], flag)
			}
		}
	}
}

func TestAHalfGivenKeyPairNamesTheMissingHalf(t *testing.T) {
	for _, c := range []struct{ given, missing string }{{"--api-key", "--api-secret"}, {"--api-secret", "--api-key"}} {
		// serve's own case is in package servecmd.
		for _, cmd := range [][]string{{"token", "--room", "r", "--user", "u"}, {"admin", "list"}} {
			code, stderr := run(t, append(cmd, c.given, "x")...)
			if code != 1 || !strings.HasPrefix(stderr, "confer: "+c.given+" needs "+c.missing+" too") ||
				strings.Count(stderr, "\n") != 1 {
				t.Errorf("%v %s: exit %d, %q", cmd, c.given, code, stderr)
			}
		}
	}
}

// silentServer accepts connections and never writes a byte, like a
// server that hangs or a port forwarded to nothing that answers.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestASilentServerIsReportedAsNotAnswering(t *testing.T) {
	addr := silentServer(t)
	want := "confer: the server at " + addr + " did not answer within 10 s"
	cases := map[string][]string{
		// A password join asks the token endpoint first; a join with keys
		// goes straight to the signalling websocket.
		"bot with a password": {"bot", "--server", addr, "--room", "r1", "--name", "Ana",
			"--password", "p", "--video", "none", "--audio", "none", "--play=false"},
		"bot with keys": {"bot", "--server", addr, "--room", "r1", "--name", "Ana",
			"--api-key", "k", "--api-secret", "s", "--video", "none", "--audio", "none", "--play=false"},
		"admin": {"admin", "list", "--url", "ws://" + addr, "--api-key", "k", "--api-secret", "s"},
	}
	// One after the other, though each waits 10 s: a command sets the
	// process's library loggers (LiveKit's SDK keeps one global), as a real
	// command does once per process, so two at once in one test process
	// race on it.
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, stderr := run(t, args...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != 1 || lines[len(lines)-1] != want {
				t.Errorf("exit %d, printed:\n%s\nwant it to end: %s", code, stderr, want)
			}
		})
	}
}
