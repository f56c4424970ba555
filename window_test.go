package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"confer/app"
	"confer/internal/xvfb"
	"confer/ui"
)

// display is a virtual X server for window tests.
type display struct {
	name string
}

func startDisplay(t *testing.T) *display {
	t.Helper()
	for _, tool := range []string{"xwd", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run `make deps` (window tests need Xvfb, x11-apps and imagemagick)", tool)
		}
	}
	x, err := xvfb.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.Stop)
	return &display{name: x.Name}
}

// screenshot grabs the whole virtual screen.
func (d *display) screenshot(t *testing.T, save string) image.Image {
	t.Helper()
	xwd := exec.Command("xwd", "-root", "-silent", "-display", d.name)
	conv := exec.Command("convert", "xwd:-", "png:-")
	var err error
	if conv.Stdin, err = xwd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	conv.Stdout = &out
	if err := conv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := xwd.Run(); err != nil {
		t.Fatalf("xwd: %v", err)
	}
	if err := conv.Wait(); err != nil {
		t.Fatalf("convert: %v", err)
	}
	if save != "" {
		_ = os.WriteFile(save, out.Bytes(), 0o644)
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// startApp runs the desktop app on d with a state file, and returns a
// function that waits for a state matching ok.
func startApp(t *testing.T, d *display, args ...string) func(what string, ok func(ui.State) bool) ui.State {
	t.Helper()
	return startAppWithState(t, d, filepath.Join(t.TempDir(), "ui.json"), args...)
}

// startAppWithState is startApp writing its state to the file state.
func startAppWithState(t *testing.T, d *display, state string, args ...string) func(what string, ok func(ui.State) bool) ui.State {
	t.Helper()
	_, wait := launchApp(t, d, state, args...)
	return wait
}

// launchApp is startAppWithState that also hands back the process, for a
// test that closes the window itself.
func launchApp(t *testing.T, d *display, state string, args ...string) (*exec.Cmd, func(what string, ok func(ui.State) bool) ui.State) {
	t.Helper()
	cmd := exec.Command(conferBin, append(args, "--fake-devices", "--state-file", state)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name, "LANG=en_US.UTF-8", "XDG_CONFIG_HOME="+t.TempDir())
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("app output:\n%s", logs.String())
		}
	})
	return cmd, func(what string, ok func(ui.State) bool) ui.State {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		var st ui.State
		for time.Now().Before(deadline) {
			// A fresh State for each read: Unmarshal leaves a field the file
			// omits (false, empty) as the last read had it.
			var read ui.State
			if data, err := os.ReadFile(state); err == nil && json.Unmarshal(data, &read) == nil {
				if st = read; ok(st) {
					return st
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("window never showed %s; last state %+v, self %+v", what, st, st.Self)
		return st
	}
}

// changedFraction is the share of pixels in r that differ clearly between a and b.
func changedFraction(a, b image.Image, r image.Rectangle) float64 {
	changed, total := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if diff(r1, r2)+diff(g1, g2)+diff(b1, b2) > 3*40*257 {
				changed++
			}
			total++
		}
	}
	return float64(changed) / float64(max(total, 1))
}

func diff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

func screenshotDir(t *testing.T) string {
	if d := os.Getenv("CONFER_SCREENSHOT_DIR"); d != "" {
		_ = os.MkdirAll(d, 0o755)
		return d
	}
	return t.TempDir()
}

func TestWindowShowsARemotePersonsMovingVideo(t *testing.T) {
	d := startDisplay(t)
	_, url := startServe(t)
	shots := screenshotDir(t)
	bot := func(user, name string, extra ...string) {
		c := exec.Command(conferBin, append([]string{"bot", "--server", url, "--room", "8888", "--name", name,
			"--user", user, "--duration", "60s", "--play=false"}, extra...)...)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	}
	bot("ada", "Ada Lovelace")
	wait := startApp(t, d, "--server", url, "--room", "8888", "--name", "Grace Hopper", "--join")
	st := wait("Ada's video", func(s ui.State) bool {
		a := s.Tile("ada")
		return s.Screen == "call" && a != nil && a.ShowsVideo && a.Frames > 15 && s.Self != nil && s.Self.ShowsVideo
	})
	ada := st.Tile("ada")
	if ada.Name != "Ada Lovelace" || ada.MicMuted {
		t.Errorf("Ada's tile: %+v", ada)
	}
	// Xvfb has shared memory: the video goes to a child window of its own.
	wait("Ada's video in a child window", func(s ui.State) bool { return s.Tile("ada").Native })
	first := d.screenshot(t, filepath.Join(shots, "call-2.png"))
	// The state file is rewritten twice a second, so the count read now may
	// be up to 0.5 s old: 30 frames on (1 s at 30 fps), the tile has been
	// painted for at least half a second since the first screenshot.
	framesAt := wait("Ada's tile painting", func(ui.State) bool { return true }).Tile("ada").Frames
	wait("more frames", func(s ui.State) bool { a := s.Tile("ada"); return a != nil && a.Frames >= framesAt+30 })
	second := d.screenshot(t, "")
	region := image.Rect(ada.X, ada.Y, ada.X+ada.W, ada.Y+ada.H)
	if region.Dx() < 100 || region.Dy() < 50 {
		t.Fatalf("Ada's tile is only %v", region)
	}
	if f := changedFraction(first, second, region); f < 0.02 {
		t.Fatalf("only %.1f%% of Ada's tile changed over 30 frames: the video is not moving", 100*f)
	}
	// Outside the tiles (toolbar, margins) nothing should move.
	toolbar := image.Rect(0, first.Bounds().Max.Y-60, 400, first.Bounds().Max.Y)
	if f := changedFraction(first, second, toolbar); f > 0.01 {
		t.Errorf("%.1f%% of the bottom-left corner changed", 100*f)
	}

	// A right click on the video reaches the window through the child
	// window, and the menu it opens is not hidden under the video: the
	// canvas paints it while the menu is open.
	d.click(t, ada.X+ada.W/2, ada.Y+ada.H/2, 3)
	wait("the tile's menu over the canvas-painted video", func(s ui.State) bool {
		a := s.Tile("ada")
		return s.Overlay && !a.Native && a.ShowsVideo
	})
	d.key(t, "Escape")
	wait("the video back in its child window", func(s ui.State) bool { return !s.Overlay && s.Tile("ada").Native })

	// Two more people: one with a camera, one without (initials).
	bot("bo", "Bo Chen")
	bot("cy", "Cy Rivera", "--video", "none")
	st = wait("four tiles", func(s ui.State) bool {
		b, c := s.Tile("bo"), s.Tile("cy")
		return len(s.Tiles) == 3 && b != nil && b.ShowsVideo && c != nil && !c.VideoOn
	})
	if cy := st.Tile("cy"); cy.ShowsVideo {
		t.Errorf("Cy has no camera but the tile shows video: %+v", cy)
	}
	d.screenshot(t, filepath.Join(shots, "call-4.png"))

	// Bo shares a screen: it takes the stage, everyone else a strip.
	bot("dee", "Dee Okafor", "--video", "none", "--screen", "fake")
	st = wait("the shared screen on the stage", func(s ui.State) bool {
		return s.Stage == "dee" && len(s.Screens) == 1 && s.Screens[0].Frames > 10
	})
	if st.Screens[0].W < 2*st.Tile("ada").W {
		t.Errorf("the stage (%d px wide) is not larger than a strip tile (%d)", st.Screens[0].W, st.Tile("ada").W)
	}
	d.screenshot(t, filepath.Join(shots, "stage.png"))
}

func TestInviteLinkOpensTheRoom(t *testing.T) {
	d := startDisplay(t)
	_, url := startServe(t)
	bot := exec.Command(conferBin, "bot", "--server", url, "--room", "invited", "--name", "Ada", "--user", "ada",
		"--duration", "30s", "--play=false", "--width", "320", "--height", "240")
	if err := bot.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bot.Process.Kill(); _ = bot.Wait() })
	link := app.InviteLink(url, "invited")
	wait := startApp(t, d, link, "--name", "Grace", "--join")
	wait("Ada through the invite", func(s ui.State) bool { a := s.Tile("ada"); return a != nil && a.ShowsVideo })
}

func TestLobbyShowsPreviewAndRejectsABadRoomID(t *testing.T) {
	d := startDisplay(t)
	shots := screenshotDir(t)
	wait := startApp(t, d, "--server", "127.0.0.1:7880", "--room", "team standup", "--name", "Grace Hopper", "--join")
	st := wait("the room ID error", func(s ui.State) bool { return s.FieldErrors["room"] != "" })
	if st.Screen != "lobby" || !strings.Contains(st.FieldErrors["room"], "letters, digits, _ and -") {
		t.Fatalf("lobby state for an invalid room ID: %+v", st)
	}
	if len(st.FieldErrors) != 1 {
		t.Errorf("errors beside fields that are fine: %v", st.FieldErrors)
	}
	wait("the preview drawn in a child window", func(s ui.State) bool { return s.PreviewFrames > 5 && s.PreviewNative })
	d.screenshot(t, filepath.Join(shots, "lobby.png"))
}

// resize sets the Confer window's size, as a person dragging its corner.
func (d *display) resize(t *testing.T, w, h int) {
	t.Helper()
	cmd := exec.Command("xdotool", "search", "--sync", "--name", "^Confer$", "windowsize", "--sync", fmt.Sprint(w), fmt.Sprint(h))
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool windowsize: %v\n%s", err, out)
	}
}

// click presses and releases a mouse button at (x, y) in the Confer window.
func (d *display) click(t *testing.T, x, y, button int) {
	t.Helper()
	cmd := exec.Command("xdotool", "search", "--sync", "--name", "^Confer$",
		"mousemove", "--window", "%1", "--sync", fmt.Sprint(x), fmt.Sprint(y), "click", fmt.Sprint(button))
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool click: %v\n%s", err, out)
	}
}

// key types a key combination into the Confer window, as a person would.
func (d *display) key(t *testing.T, keys string) {
	t.Helper()
	cmd := exec.Command("xdotool", "search", "--sync", "--name", "^Confer$", "windowfocus", "--sync", "key", "--clearmodifiers", keys)
	cmd.Env = append(os.Environ(), "DISPLAY="+d.name)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool key %s: %v\n%s", keys, err, out)
	}
}

// Speaking into a muted microphone brings up "You're muted", as in Meet,
// Zoom and Teams; unmuting takes it away. The synthetic microphone speaks
// (espeak-ng phrases), through the same noise suppression a person has.
func TestWindowSaysYoureMutedWhenYouSpeakMuted(t *testing.T) {
	d := startDisplay(t)
	_, url := startServe(t)
	wait := startApp(t, d, "--server", url, "--room", "muted", "--name", "Grace", "--join", "--camera", "off", "--microphone", "on", "--fake-microphone", "speech")
	wait("the call", func(s ui.State) bool { return s.Screen == "call" && s.Self != nil && !s.Self.MicMuted })
	d.key(t, "ctrl+d")
	st := wait("the muted hint", func(s ui.State) bool { return s.MutedHint })
	if !st.Self.MicMuted {
		t.Errorf("the hint shows but the microphone is not muted: %+v", st.Self)
	}
	d.key(t, "ctrl+d")
	wait("the hint gone after unmuting", func(s ui.State) bool { return !s.MutedHint && !s.Self.MicMuted })
}

// A meeting of 50 (49 from confer load): joining it does not freeze the
// window, which shows a page of tiles with pictures, and no video arrives
// for the tiles on other pages.
func TestWindowPagesABigMeeting(t *testing.T) {
	const others = 49
	d := startDisplay(t)
	cfg := t.TempDir()
	_, url := startServeIn(t, cfg)
	load := exec.Command(conferBin, "load", "--server", url, "--room", "big", "--publishers", fmt.Sprint(others),
		"--width", "160", "--height", "120", "--fps", "10", "--bitrate", "100", "--duration", "60s")
	load.Env = append(os.Environ(), "XDG_CONFIG_HOME="+cfg)
	if err := load.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = load.Process.Kill(); _ = load.Wait() })
	state := filepath.Join(t.TempDir(), "ui.json")
	wait := startAppWithState(t, d, state, "--server", url, "--room", "big", "--name", "Grace Hopper", "--join")
	wait("the call", func(s ui.State) bool { return s.Screen == "call" })
	stalls := watchStateWrites(state)

	// Pages of 3×3 or 4×4 by the window's size; the self tile and the
	// first others on the first.
	onPage := func(s ui.State) (shown, hidden []ui.TileState) {
		for _, tile := range s.Tiles {
			if tile.Hidden {
				hidden = append(hidden, tile)
			} else {
				shown = append(shown, tile)
			}
		}
		return shown, hidden
	}
	st := wait("a first page of pictures", func(s ui.State) bool {
		shown, _ := onPage(s)
		size := len(shown) + 1
		if len(s.Tiles) != others || size != 9 && size != 16 || s.Page != fmt.Sprintf("Page 1 of %d", (others+size)/size) {
			return false
		}
		for _, tile := range shown {
			if !tile.ShowsVideo || tile.Frames < 5 {
				return false
			}
		}
		return true
	})
	_, hidden := onPage(st)
	before := map[string]int64{}
	for _, tile := range hidden {
		before[tile.User] = tile.Frames
	}
	shownFrames := func(s ui.State) (n int64) {
		shown, _ := onPage(s)
		for _, tile := range shown {
			n += tile.Frames
		}
		return n
	}
	// Two seconds of pictures on the page, at 10 fps.
	at, onFirst := shownFrames(st), len(st.Tiles)-len(hidden)
	st = wait("more pictures on the page", func(s ui.State) bool { return shownFrames(s) >= at+int64(20*onFirst) })
	for _, tile := range st.Tiles {
		if tile.Hidden && tile.Frames > before[tile.User] {
			t.Errorf("%s is on another page but got %d more frames", tile.User, tile.Frames-before[tile.User])
		}
	}
	// The window rewrites its state file every 0.5 s from its UI
	// goroutine: a longer gap is the window not answering.
	if gap := stalls(); gap > 2*time.Second {
		t.Errorf("the window stopped answering for %v while %d people joined", gap, others)
	} else {
		t.Logf("longest gap between the window's state writes while %d joined: %v", others, gap)
	}
}

// watchStateWrites notes the longest time between two rewrites of the
// window's state file, until the returned function is called.
func watchStateWrites(path string) func() time.Duration {
	stop, done := make(chan struct{}), make(chan time.Duration)
	go func() {
		var longest time.Duration
		last, lastMod := time.Now(), time.Time{}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				done <- longest
				return
			case now := <-tick.C:
				if fi, err := os.Stat(path); err == nil && !fi.ModTime().Equal(lastMod) {
					lastMod, last = fi.ModTime(), now
				}
				longest = max(longest, now.Sub(last))
			}
		}
	}()
	return func() time.Duration { close(stop); return <-done }
}

// Every tile of a four-party window shows its person's video, at the
// simulcast layer its size asks for, join after join. A tile on the small
// layer once stayed empty (0 fps). The window is made small, so three
// people's 1280×720 cameras come on their 320×180 layer (of three), and
// joins three times. Windows that quit before may still be listed, as initials: the
// server sometimes never reads their leave, and keeps them until their
// connection times out (docs/ARCHITECTURE.md, library behaviour). That
// changes the layout, and each tile's layer is read from its own size.
func TestWindowEveryTileShowsItsLayer(t *testing.T) {
	d := startDisplay(t)
	_, url := startServe(t)
	people := []string{"ada", "bo", "cy"}
	for _, user := range people {
		bot := exec.Command(conferBin, "bot", "--server", url, "--room", "layers", "--name", user, "--user", user,
			"--width", "1280", "--height", "720", "--duration", "120s", "--play=false")
		if err := bot.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = bot.Process.Kill(); _ = bot.Wait() })
	}
	for round := 1; round <= 3; round++ {
		app, wait := launchApp(t, d, filepath.Join(t.TempDir(), "ui.json"),
			"--server", url, "--room", "layers", "--name", "Grace Hopper", "--camera", "off", "--microphone", "off", "--join")
		wait("the call", func(s ui.State) bool { return s.Screen == "call" })
		d.resize(t, 700, 450)
		atLayer := func(s ui.State, frames map[string]int64) bool {
			for _, user := range people {
				tile := s.Tile(user)
				// The server may hold a subscriber below the layer its size
				// asks for while its estimate of that downlink is short (a
				// busy machine), never above it.
				if tile == nil || !tile.ShowsVideo || tile.VideoH <= 0 || tile.VideoH > layerFor(tile.H) || tile.Frames < frames[user]+30 {
					return false
				}
			}
			return true
		}
		st := wait(fmt.Sprintf("every tile at its layer (join %d)", round), func(s ui.State) bool { return atLayer(s, nil) })
		frames := map[string]int64{}
		for _, user := range people {
			frames[user] = st.Tile(user).Frames
		}
		st = wait(fmt.Sprintf("every tile still moving (join %d)", round), func(s ui.State) bool { return atLayer(s, frames) })
		for _, tile := range st.Tiles {
			t.Logf("join %d: %s's tile %dx%d shows %dx%d", round, tile.User, tile.W, tile.H, tile.VideoW, tile.VideoH)
		}
		_ = app.Process.Signal(syscall.SIGTERM)
		_ = app.Wait()
	}
}

// layerFor is the height of the layer LiveKit picks for a tile h pixels
// high from a 1280×720 camera's three (720, 360, 180): the smallest at
// least 0.9 h.
func layerFor(h int) int {
	for _, l := range []int{180, 360} {
		if h*9/10 <= l {
			return l
		}
	}
	return 720
}

// A window ended by SIGTERM (a logout, a service manager) leaves its call
// before it exits, and the others see the person go at once. Fyne ends the
// event loop on that signal by itself, and the window's own handler used to
// race it: one window in three exited without leaving. And
// livekit-server v1.13.5 now and then lost a leave written just before the
// connection closed, as the SDK's Disconnect does (one in thirteen with
// the server at debug level): the others saw the person for some 20 s
// more, until the connection timed out (Confer's server keeps the leave,
// rtcservice.go in third_party/patches/livekit-server/leave-relay.patch).
// Ten rounds.
func TestWindowEndedBySignalLeavesTheCall(t *testing.T) {
	d := startDisplay(t)
	// At debug level the server is slower to hand a request on: without the
	// patch this caught a lost leave in two runs of three, and in none of
	// six at info level.
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg) // for the admin commands
	_, url := startServeIn(t, cfg, "--log-level", "debug")
	for round := 1; round <= 10; round++ {
		app, wait := launchApp(t, d, filepath.Join(t.TempDir(), "ui.json"), "--log-level", "info",
			"--server", url, "--room", "bye", "--name", "Grace Hopper", "--camera", "off", "--microphone", "off", "--join")
		wait("the call", func(s ui.State) bool { return s.Screen == "call" })
		waitListed(t, url, "bye", "Grace Hopper")
		_ = app.Process.Signal(syscall.SIGTERM)
		if err := app.Wait(); err != nil {
			t.Fatalf("round %d: the window ended with %v", round, err)
		}
		// launchApp collects the window's output in a buffer, complete once
		// Wait has returned.
		if out := app.Stdout.(*bytes.Buffer).String(); !strings.Contains(out, `msg="left the call" room=bye`) {
			t.Fatalf("round %d: the window exited without leaving the call:\n%s", round, out)
		}
		// A leave the server dropped shows for some 20 s.
		waitUnlisted(t, url, "bye", "Grace Hopper", 5*time.Second)
	}
}
