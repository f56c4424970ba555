package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"confer/internal/bot"
	"confer/media/synth"
)

// audioBot is one `confer bot` of an audio test: no camera, its stats in dir.
type audioBot struct {
	user string
	args []string
}

// runAudioBots runs bots in one room at once, the first started before the
// others join, and returns their stats by user.
func runAudioBots(t *testing.T, url, room, dir string, bots ...audioBot) map[string]bot.Stats {
	t.Helper()
	var wg sync.WaitGroup
	for i, b := range bots {
		args := append([]string{"bot", "--server", url, "--room", room, "--name", b.user, "--user", b.user,
			"--video", "none", "--stats", filepath.Join(dir, b.user+".json")}, b.args...)
		c := exec.Command(conferBin, args...)
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill() })
		wg.Add(1)
		go func() { defer wg.Done(); _ = c.Wait() }()
		if i == 0 {
			waitListed(t, url, room, b.user)
		}
	}
	wg.Wait()
	out := map[string]bot.Stats{}
	for _, b := range bots {
		out[b.user] = readStats(t, filepath.Join(dir, b.user+".json"))
	}
	return out
}

// A talker and a laptop whose speakers reach its microphone (an 80 ms,
// -3 dB room, and nothing else said there): with echo cancellation the
// talker hears next to nothing of their own voice; without any processing,
// about the room's -3 dB, which shows the measurement is sensitive.
func TestEchoCancellationEndToEnd(t *testing.T) {
	if _, err := synth.Speech("hello", 48000); err != nil {
		t.Skipf("no speech synthesiser: %v", err)
	}
	url := startServeWithConfig(t, t.TempDir())
	cases := []struct {
		name       string
		processing []string
		check      func(db float64) bool
		want       string
	}{
		{"on", []string{"--aec", "on"}, func(db float64) bool { return db <= -20 }, "≤ -20 dB"},
		{"off", []string{"--aec", "off", "--ns", "off", "--agc", "off"}, func(db float64) bool { return db >= -10 }, "≥ -10 dB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			st := runAudioBots(t, url, "echo-"+c.name, t.TempDir(),
				audioBot{"talker", []string{"--audio", "speech", "--duration", "20s"}},
				audioBot{"laptop", append([]string{"--audio", "silence", "--room-echo", "80ms,-3dB", "--duration", "18s"}, c.processing...)},
			)
			heard := st["talker"].Remotes["laptop"]
			if heard == nil || heard.EchoReturnDB == nil {
				t.Fatalf("the talker measured no echo: %+v", heard)
			}
			db := *heard.EchoReturnDB
			t.Logf("echo cancellation %s: the talker's voice comes back at %.1f dB", c.name, db)
			if !c.check(db) {
				t.Errorf("echo return %.1f dB; want %s", db, c.want)
			}
		})
	}
}

// Steady pink noise (a fan) into a microphone with no one speaking: noise
// suppression takes most of it away before it is sent.
func TestNoiseSuppressionEndToEnd(t *testing.T) {
	url := startServeWithConfig(t, t.TempDir())
	st := runAudioBots(t, url, "noise", t.TempDir(),
		audioBot{"listener", []string{"--audio", "none", "--duration", "12s"}},
		audioBot{"fan-ns", []string{"--audio", "silence", "--noise", "-35", "--aec", "off", "--agc", "off", "--duration", "10s"}},
		audioBot{"fan-raw", []string{"--audio", "silence", "--noise", "-35", "--aec", "off", "--ns", "off", "--agc", "off", "--duration", "10s"}},
	)
	l := st["listener"].Remotes
	if l["fan-ns"] == nil || l["fan-raw"] == nil {
		t.Fatalf("the listener heard %v", l)
	}
	ns, raw := l["fan-ns"].AudioLevel, l["fan-raw"].AudioLevel
	t.Logf("noise heard at %.4f with suppression, %.4f without", ns, raw)
	if raw < 0.005 || ns > raw/4 {
		t.Errorf("noise at %.4f with suppression, %.4f without; want at most a quarter (-12 dB)", ns, raw)
	}
}
