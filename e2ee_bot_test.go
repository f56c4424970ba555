package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"confer/internal/bot"
)

// `confer bot --e2ee-passphrase` (or CONFER_E2EE_PASSPHRASE) encrypts, and
// its stats say per remote how decryption went: bots with the same
// passphrase decode each other, one without a passphrase reports no-key,
// one with another passphrase failed, and neither decodes a frame.
func TestBotStatsReportEncryption(t *testing.T) {
	_, url := startServe(t)
	dir := t.TempDir()
	const pass = "correct horse battery staple"
	start := func(user, dur string, env []string, flags ...string) *exec.Cmd {
		args := append([]string{"bot", "--server", url, "--room", "e2ee", "--name", "Bot " + user, "--user", user,
			"--duration", dur, "--width", "320", "--height", "240", "--play=false",
			"--stats", filepath.Join(dir, user+".json")}, flags...)
		c := exec.Command(conferBin, args...)
		c.Env = append(os.Environ(), env...)
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	bots := []*exec.Cmd{
		start("a", "6s", nil, "--e2ee-passphrase", pass),
		start("b", "5s", []string{"CONFER_E2EE_PASSPHRASE=" + pass}),
		start("c", "5s", nil, "--audio", "none"),
		start("d", "5s", nil, "--e2ee-passphrase", "wrong", "--video", "none", "--audio", "none"),
	}
	for _, c := range bots {
		if err := c.Wait(); err != nil {
			t.Fatalf("bot %v: %v", c.Args, err)
		}
	}
	b, c, d := readStats(t, filepath.Join(dir, "b.json")), readStats(t, filepath.Join(dir, "c.json")), readStats(t, filepath.Join(dir, "d.json"))
	if !b.E2EE || c.E2EE || !d.E2EE {
		t.Errorf("encrypted calls: b %v, c %v, d %v; want true, false, true", b.E2EE, c.E2EE, d.E2EE)
	}
	if ra := b.Remotes["a"]; ra == nil || ra.E2EE != "ok" || ra.FramesDecoded < 30 || ra.AudioFramesDecoded < 50 || ra.E2EEFailedFrames != 0 {
		t.Errorf("b from a (same passphrase): %+v", ra)
	}
	if rc := b.Remotes["c"]; rc == nil || rc.E2EE != "none" || rc.FramesDecoded < 30 {
		t.Errorf("b from c (no passphrase, sends in the clear): %+v", rc)
	}
	// The server's own blank frames (8×8 video, silent Opus) are not
	// encrypted and pass, as in livekit-client: nothing else may.
	if ra := c.Remotes["a"]; ra == nil || ra.E2EE != "no-key" || sawOrHeard(ra) || ra.E2EEFailedFrames == 0 {
		t.Errorf("c from a (no passphrase): %+v", ra)
	}
	if ra := d.Remotes["a"]; ra == nil || ra.E2EE != "failed" || sawOrHeard(ra) || ra.E2EEFailedFrames == 0 {
		t.Errorf("d from a (another passphrase): %+v", ra)
	}
	t.Logf("b from a: %d frames, %d audio frames; c from a: %d frames dropped (no-key); d from a: %d dropped (failed)",
		b.Remotes["a"].FramesDecoded, b.Remotes["a"].AudioFramesDecoded, c.Remotes["a"].E2EEFailedFrames, d.Remotes["a"].E2EEFailedFrames)
}

// sawOrHeard tells whether a bot got a picture with the time strip, or any
// sound, from a remote.
func sawOrHeard(r *bot.RemoteStats) bool {
	return r.Width > 0 || r.VideoLatencyMS.P50 > 0 || r.AudioLevel > 0
}
