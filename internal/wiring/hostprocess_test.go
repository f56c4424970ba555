package wiring

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"confer/internal/testenv"
)

// useServerProgram puts a built confer-server on PATH, as if installed, and
// gives the test its own config directory (the stored keys).
func useServerProgram(t *testing.T) {
	t.Helper()
	bin, err := testenv.ServerProgram()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

func answers(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		conn.Close()
	}
	return err == nil
}

func TestHostingRunsTheServerProgramAndStopsIt(t *testing.T) {
	useServerProgram(t)
	h, err := StartHost("127.0.0.1", testenv.QuietLog())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(h.URL())
	if err != nil || u.Scheme != "ws" || u.Hostname() != "127.0.0.1" {
		t.Fatalf("hosted at %q (%v)", h.URL(), err)
	}
	if !answers(u.Host) {
		t.Fatalf("nothing answers at %s", u.Host)
	}
	h.Close()
	if answers(u.Host) {
		t.Errorf("%s still answers after Close", u.Host)
	}
}

func TestHostingWithoutTheServerProgramNamesIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := StartHost("127.0.0.1", testenv.QuietLog())
	if err == nil || !strings.Contains(err.Error(), ServerName) || !strings.Contains(err.Error(), "PATH") {
		t.Fatalf("got %v, want an error naming %s and where it was looked for", err, ServerName)
	}
}

// A server that cannot start says why, and the window shows that.
func TestHostingOnAnAddressOfAnotherMachineSaysWhy(t *testing.T) {
	useServerProgram(t)
	_, err := StartHost("198.51.100.1", testenv.QuietLog()) // TEST-NET-2: on no interface here
	t.Log(err)
	if err == nil || !strings.Contains(err.Error(), "the room server stopped") || !strings.Contains(err.Error(), "198.51.100.1") {
		t.Fatalf("got %v, want the server's own reason", err)
	}
}
