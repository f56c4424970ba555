package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServeWithConfig runs confer serve with its keys in cfgDir, so the
// admin command finds them as it would on the hosting machine.
func startServeWithConfig(t *testing.T, cfgDir string) string {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", cfgDir) // for the admin commands this test runs
	_, url := startServeIn(t, cfgDir)
	return url
}

func admin(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(conferBin, append(append([]string{"admin"}, args...), "--url", url)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// botUntilEnd runs a bot that stays until something ends it.
func botUntilEnd(t *testing.T, url, user, stats string) *exec.Cmd {
	t.Helper()
	c := exec.Command(conferBin, "bot", "--server", url, "--room", "r", "--name", user, "--user", user,
		"--video", "none", "--duration", "30s", "--play=false", "--stats", stats)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	return c
}

// waitListed waits until the server lists the users in the room: a bot
// started before another is in the room before it.
func waitListed(t *testing.T, url, room string, users ...string) {
	t.Helper()
	if out, ok := pollList(t, url, room, 15*time.Second, func(out string) bool {
		for _, u := range users {
			if !strings.Contains(out, u) {
				return false
			}
		}
		return true
	}); !ok {
		t.Fatalf("admin list never showed %v:\n%s", users, out)
	}
}

// waitUnlisted waits until the server no longer lists user in the room, for
// at most within.
func waitUnlisted(t *testing.T, url, room, user string, within time.Duration) {
	t.Helper()
	if out, ok := pollList(t, url, room, within, func(out string) bool {
		return !strings.Contains(out, user)
	}); !ok {
		t.Fatalf("admin list still shows %s after %v:\n%s", user, within, out)
	}
}

// pollList reads the room's list until done accepts it or within has
// passed, and returns the last list read. The server has no event for a
// change of its list, so it is read again every 200 ms.
func pollList(t *testing.T, url, room string, within time.Duration, done func(list string) bool) (string, bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := admin(t, url, "list", "--room", room)
		if err == nil && done(out) {
			return out, true
		}
		if time.Now().After(deadline) {
			return out, false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func endOf(t *testing.T, c *exec.Cmd, stats string) string {
	t.Helper()
	done := make(chan struct{})
	go func() { _ = c.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("bot still running after being removed")
	}
	return readStats(t, stats).End
}

func TestAdminCommandsRemoveAndClose(t *testing.T) {
	url := startServeWithConfig(t, t.TempDir())
	dir := t.TempDir()
	ana := botUntilEnd(t, url, "ana", filepath.Join(dir, "ana.json"))
	bo := botUntilEnd(t, url, "bo", filepath.Join(dir, "bo.json"))
	waitListed(t, url, "r", "ana", "bo")

	if out, err := admin(t, url, "remove", "--room", "r", "--user", "nobody"); err == nil || !strings.Contains(out, "no such user") {
		t.Errorf("removing nobody: %v\n%s", err, out)
	}
	if out, err := admin(t, url, "remove", "--room", "r", "--user", "bo"); err != nil {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	if end := endOf(t, bo, filepath.Join(dir, "bo.json")); end != "kicked-removed" {
		t.Errorf("removed bot ended with %q", end)
	}
	if out, err := admin(t, url, "close", "--room", "r"); err != nil {
		t.Fatalf("close: %v\n%s", err, out)
	}
	if end := endOf(t, ana, filepath.Join(dir, "ana.json")); end != "room-closed" {
		t.Errorf("bot in a closed room ended with %q", end)
	}
	if out, err := admin(t, url, "list", "--room", "r"); err == nil {
		t.Errorf("closed room still listed:\n%s", out)
	}
}

func TestDuplicateBotIsKickedAsDuplicate(t *testing.T) {
	url := startServeWithConfig(t, t.TempDir())
	dir := t.TempDir()
	first := botUntilEnd(t, url, "ana", filepath.Join(dir, "first.json"))
	waitListed(t, url, "r", "ana")
	botUntilEnd(t, url, "ana", filepath.Join(dir, "second.json"))
	if end := endOf(t, first, filepath.Join(dir, "first.json")); end != "kicked-duplicate" {
		t.Errorf("first bot ended with %q", end)
	}
}

func TestAdminWithEnvironmentKeys(t *testing.T) {
	url := startServeWithConfig(t, t.TempDir())
	t.Setenv("LIVEKIT_API_KEY", "APIwrong")
	t.Setenv("LIVEKIT_API_SECRET", strings.Repeat("w", 40))
	out, err := admin(t, url, "list")
	if err == nil || !strings.Contains(out, "did not accept these API keys") {
		t.Fatalf("wrong keys from the environment: %v\n%s", err, out)
	}
	os.Unsetenv("LIVEKIT_API_KEY")
	os.Unsetenv("LIVEKIT_API_SECRET")
	if out, err := admin(t, url, "list"); err != nil || !strings.Contains(out, "no rooms") {
		t.Fatalf("stored keys: %v\n%s", err, out)
	}
}
