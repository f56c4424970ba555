package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// environ is the test's environment without the named variables, plus set.
func environ(drop []string, set ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			keep = keep && name != d
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, set...)
}

func TestTheWindowWithoutADisplaySaysSoInOneLine(t *testing.T) {
	cases := map[string][]string{
		"no DISPLAY": nil,
		// A display number nobody uses: the variable is set, nothing answers.
		"nothing at DISPLAY": {"DISPLAY=:59321"},
	}
	want := map[string]string{
		"no DISPLAY":         "confer: no display: set DISPLAY or run on a desktop session; `confer serve` runs without one",
		"nothing at DISPLAY": "confer: no X server answers at DISPLAY=:59321: start one or run on a desktop session; `confer serve` runs without one",
	}
	for name, set := range cases {
		cmd := exec.Command(conferBin, "--name", "Ana")
		cmd.Env = environ([]string{"DISPLAY", "WAYLAND_DISPLAY"}, append(set, "XDG_CONFIG_HOME="+t.TempDir())...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil || cmd.ProcessState.ExitCode() != 1 {
			t.Errorf("%s: exit %v; want 1", name, err)
		}
		if got := stderr.String(); got != want[name]+"\n" || stdout.Len() != 0 {
			t.Errorf("%s: printed\n%s%s\nwant the one line\n%s", name, stdout.String(), got, want[name])
		}
	}
}

func TestNoLocaleMakesEitherBinaryPrintAnythingSpurious(t *testing.T) {
	cfg := t.TempDir()
	for _, bin := range []string{conferBin, serverBin} {
		for _, locale := range []string{"", "C", "C.UTF-8", "POSIX", "en_US.UTF-8"} {
			for _, args := range [][]string{{"--version"}, {"token", "--room", "r1", "--user", "u1"}} {
				cmd := exec.Command(bin, args...)
				cmd.Env = environ([]string{"LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"}, "XDG_CONFIG_HOME="+cfg)
				if locale != "" {
					cmd.Env = append(cmd.Env, "LANG="+locale)
				}
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				if err := cmd.Run(); err != nil || stderr.Len() > 0 {
					t.Errorf("LANG=%q %s %v: %v, stderr:\n%s", locale, filepath.Base(bin), args, err, stderr.String())
				}
			}
		}
	}
}

// The window's program runs confer-server to host; linking the server
// too cost every window some 37 MB (README, "The window links no server").
func TestTheWindowsProgramLinksNoServer(t *testing.T) {
	out, err := exec.Command("go", "version", "-m", conferBin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "github.com/livekit/server-sdk-go") {
		t.Fatalf("go version -m lists no LiveKit SDK; is this confer?\n%s", out)
	}
	if strings.Contains(string(out), "github.com/livekit/livekit-server") {
		t.Error("confer links livekit-server")
	}
}

// The window's program carries the libvpx built for real time
// (scripts/libvpx.sh), whose encoders hold a third of the memory the
// system's do; make points cgo at it.
func TestTheWindowsProgramLinksLibvpxBuiltForRealTime(t *testing.T) {
	prefix, err := exec.Command("pkg-config", "--variable=prefix", "vpx").Output()
	if err != nil || !strings.Contains(string(prefix), "confer/libvpx") {
		t.Skipf("cgo finds the system's libvpx (pkg-config says %q): run through make, which builds Confer's", strings.TrimSpace(string(prefix)))
	}
	out, err := exec.Command("readelf", "-d", conferBin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "libvpx") {
		t.Errorf("confer loads a shared libvpx, not the one built for real time:\n%s", out)
	}
}

func TestTheServerBinaryLinksNoWindowLibraries(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "./cmd/confer-server").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "fyne.io/") || strings.HasPrefix(dep, "github.com/go-gl/") ||
			dep == "github.com/pion/mediadevices/pkg/driver/screen" {
			t.Errorf("confer-server imports %s", dep)
		}
	}
	libs, err := exec.Command("ldd", serverBin).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, lib := range []string{"libGL", "libX11", "libXext", "libxcb"} {
		if strings.Contains(string(libs), lib) {
			t.Errorf("confer-server links %s:\n%s", lib, libs)
		}
	}
	if !strings.Contains(string(libs), "libopus") {
		t.Errorf("ldd shows no libopus; is this the bot's media?\n%s", libs)
	}
}

// output collects a process's stdout and stderr together.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

var serverReady = regexp.MustCompile(`confer: room server ready at (ws://[0-9.]+:\d+)`)

// serveLogged runs `confer-server serve` with args on free ports, its
// output collected in out, and returns its URL once it is ready.
func serveLogged(t *testing.T, out *output, args ...string) string {
	t.Helper()
	cmd := exec.Command(serverBin, append([]string{"serve", "--port", "0", "--rtc-udp-port", "0", "--rtc-tcp-port", "0"}, args...)...)
	cmd.Env = environ(nil, "XDG_CONFIG_HOME="+t.TempDir())
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			_, _ = out.Write([]byte(sc.Text() + "\n"))
			if m := serverReady.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
	}()
	select {
	case url := <-ready:
		return url
	case <-time.After(20 * time.Second):
		t.Fatalf("no ready line within 20 s:\n%s", out)
	}
	return ""
}

func TestNoTokenSecretOrPasswordIsEverLogged(t *testing.T) {
	const (
		key      = "APIlogtest"
		secret   = "s3cret-never-in-a-log-0123456789"
		password = "pass-never-in-a-log"
	)
	var serveOut, botOut, forgedOut output
	url := serveLogged(t, &serveOut, "--log-level", "debug", "--api-key", key, "--api-secret", secret, "--password", password)
	mark := len(serveOut.String())

	// A join with the password, everything at debug.
	bot := exec.Command(serverBin, "bot", "--server", url, "--room", "r1", "--name", "Ana", "--password", password,
		"--video", "none", "--audio", "fake", "--play=false", "--duration", "1s", "--log-level", "debug")
	bot.Stdout, bot.Stderr = &botOut, &botOut
	if err := bot.Run(); err != nil {
		t.Fatalf("bot: %v\n%s", err, botOut.String())
	}
	// A join with a token signed by another secret.
	forged, err := exec.Command(serverBin, "token", "--api-key", key, "--api-secret", "forged-secret-forged-secret-0123",
		"--room", "r1", "--user", "mallory").Output()
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(forged))
	f := exec.Command(serverBin, "bot", "--server", url, "--room", "r1", "--user", "mallory", "--name", "Mallory",
		"--token", token, "--video", "none", "--audio", "none", "--play=false")
	f.Stdout, f.Stderr = &forgedOut, &forgedOut
	if err := f.Run(); err == nil {
		t.Fatalf("the forged token joined:\n%s", forgedOut.String())
	}

	logs := map[string]string{"serve": serveOut.String(), "bot": botOut.String(), "forged join": forgedOut.String()}
	for name, log := range logs {
		for _, s := range []string{secret, password, "forged-secret", token, "eyJ", "access_token=ey"} {
			if strings.Contains(log, s) {
				t.Errorf("the %s log has %q:\n%s", name, s, log)
			}
		}
	}
	// The logs must have said something for the above to mean anything.
	if joined := serveOut.String()[mark:]; strings.Count(joined, "level=DEBUG") < 20 || !strings.Contains(joined, "r1") {
		t.Errorf("serve --log-level debug logged little of the join:\n%s", joined)
	}
	if !strings.Contains(forgedOut.String(), "[redacted]") || !strings.Contains(forgedOut.String(), "did not accept the access token") {
		t.Errorf("the forged join's output:\n%s", forgedOut.String())
	}
}
