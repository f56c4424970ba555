package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"confer/internal/testcert"
)

// A server with a self-signed certificate: bots and admin reach it over
// wss:// and https:// once told to trust the certificate, and say what is
// wrong when not told.
func TestServeOverTLSWithASelfSignedCertificate(t *testing.T) {
	cert := testcert.SelfSigned(t)
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg) // the admin commands use the server's keys
	_, url := startServeIn(t, cfg, "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile, "--password", "sesame")
	if !strings.HasPrefix(url, "wss://127.0.0.1:") {
		t.Fatalf("ready line URL %q; want wss://", url)
	}

	untrusted := exec.Command(conferBin, "bot", "--server", url, "--room", "tls", "--name", "X",
		"--password", "sesame", "--video", "none", "--audio", "none", "--duration", "1s")
	untrusted.Env = withoutCA()
	out, err := untrusted.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is not trusted") || !strings.Contains(string(out), "--ca-cert") {
		t.Fatalf("bot without --ca-cert: %v\n%s\nwant a failure saying the certificate is not trusted", err, out)
	}
	if out, err := admin(t, url, "list"); err == nil || !strings.Contains(out, "is not trusted") {
		t.Fatalf("admin without --ca-cert: %v\n%s", err, out)
	}

	dir := t.TempDir()
	bot := func(user string, env []string, flags ...string) *exec.Cmd {
		c := exec.Command(conferBin, append([]string{"bot", "--server", url, "--room", "tls", "--name", user, "--user", user,
			"--password", "sesame", "--width", "160", "--height", "120", "--duration", "5s", "--play=false",
			"--stats", filepath.Join(dir, user+".json")}, flags...)...)
		c.Env, c.Stderr = env, os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := bot("a", withoutCA(), "--ca-cert", cert.CertFile)
	b := bot("b", append(withoutCA(), "CONFER_CA_CERT="+cert.CertFile))
	for _, c := range []*exec.Cmd{a, b} {
		if err := c.Wait(); err != nil {
			t.Fatalf("bot %v: %v", c.Args, err)
		}
	}
	for user, other := range map[string]string{"a": "b", "b": "a"} {
		st := readStats(t, filepath.Join(dir, user+".json"))
		if r := st.Remotes[other]; !st.Joined || r == nil || r.FramesDecoded < 10 || r.AudioFramesDecoded < 10 {
			t.Fatalf("%s over wss: joined %v, from %s %+v", user, st.Joined, other, r)
		}
	}
	if out, err := admin(t, url, "list", "--ca-cert", cert.CertFile); err != nil {
		t.Fatalf("admin with --ca-cert: %v\n%s", err, out)
	}
}

// withoutCA is the environment minus any CONFER_CA_CERT of the caller's.
func withoutCA() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "CONFER_CA_CERT=") {
			env = append(env, e)
		}
	}
	return env
}
