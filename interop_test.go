package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// readyInterop returns the Chromium to run a livekit-client interop page
// with, once dir's setup.sh has installed the page's packages; it skips
// the test, saying why, where Chromium, npm or the packages are missing.
// what names the feature the page tries, for those messages.
func readyInterop(t *testing.T, dir, what string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("Chromium is not installed (%v): CONFER_DEPS_EXTRA=chromium scripts/deps.sh installs it, then this test runs livekit-client's %s against Confer's", err, what)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skipf("npm is not installed: the livekit-client %s interop test needs Node.js", what)
	}
	if out, err := exec.Command(filepath.Join(dir, "setup.sh")).CombinedOutput(); err != nil {
		t.Skipf("%s/setup.sh failed (no network for npm?): %v\n%s", dir, err, out)
	}
	return chromium
}
