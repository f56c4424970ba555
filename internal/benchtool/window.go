package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"confer/internal/xvfb"
	"confer/ui"
)

// windowFigures are the desktop window's CPU under Xvfb, where painting is
// Mesa's software renderer (llvmpipe), as on any machine without a GPU.
type windowFigures struct {
	rest       windowRun // in a call, camera and microphone off, nobody sending
	one, three windowRun // showing one, then three received 720p30 streams
	// threeCanvas is three with the videos painted by Fyne's canvas
	// (CONFER_VIDEO=fyne), as where X11 child windows are not available.
	threeCanvas windowRun
	tab         tabFigures // a browser tab on the same display, as three
	// floor is the smallest Fyne window on the same display: what any
	// Fyne program takes there (floorErr when it could not be measured).
	floor    windowRun
	floorErr string
	err      string
}

// tabFigures are a Chromium tab's showing the same three streams as the
// window, on the same display, at the window's tile size.
type tabFigures struct {
	chromium, client string
	cpu              float64 // % of one core, all the browser's processes
	mem              memory
	procs            int
	shownFPS         float64 // the slowest video, frames to the compositor
	videoW, videoH   int     // the layer the slowest video got
	err              string  // why there are no figures
}

type windowRun struct {
	cpu, paintCPU  float64 // % of one core: the whole process, its llvmpipe threads
	shownFPS       float64 // pictures converted per second, slowest tile
	tileW, tileH   int
	videoW         int // the simulcast layer that tile gets, by its width
	videoH         int
	fileMB, anonMB float64 // resident at the end: mapped files, anonymous
	mem            memory
	glass          glassFigures // capture → on the display, with video
}

const windowSeconds = 15

// measureWindow runs the real window on a virtual display three times:
// with nobody sending, with one 720p30 publisher, with three.
func measureWindow(bin, url, work string, f *windowFigures) error {
	d, err := xvfb.StartWithFramebuffer(work)
	if err != nil {
		return err
	}
	defer d.Stop()
	fb, err := d.Framebuffer()
	if err != nil {
		return err
	}
	defer fb.Close()
	display := d.Name
	senderBin, err := copyProgram(bin, work)
	if err != nil {
		return err
	}
	var pubs []*exec.Cmd
	defer func() {
		for _, p := range pubs {
			_ = p.Process.Kill()
			_ = p.Wait()
		}
	}()
	runs := []*windowRun{&f.rest, &f.one, &f.three, &f.threeCanvas}
	env := [][]string{nil, nil, nil, {"CONFER_VIDEO=fyne"}}
	for i, senders := range []int{0, 1, 3, 3} {
		for len(pubs) < senders {
			p := exec.Command(senderBin, botArgs(url, "win", fmt.Sprintf("pub%d", len(pubs)+1), "300s", "--audio", "none")...)
			if err := p.Start(); err != nil {
				return err
			}
			pubs = append(pubs, p)
		}
		if err := windowRunWith(bin, url, work, display, fb, senders, env[i], runs[i]); err != nil {
			return fmt.Errorf("window with %d senders: %w", senders, err)
		}
	}
	if err := measureTab(bin, url, work, display, f); err != nil {
		f.tab.err = err.Error()
	}
	if err := measureFloor(work, display, &f.floor); err != nil {
		f.floorErr = err.Error()
	}
	return nil
}

// measureFloor builds and runs the smallest Fyne window
// (internal/benchtool/fynefloor) on the same display, and measures it as
// the window: CPU for windowSeconds, memory at the end.
func measureFloor(work, display string, r *windowRun) error {
	bin := filepath.Join(work, "fynefloor")
	build := exec.Command("go", "build", "-o", bin, "./internal/benchtool/fynefloor")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building internal/benchtool/fynefloor: %w", err)
	}
	app := exec.Command(bin)
	// As Confer's window has it (gui.go), so that the painter is the same.
	app.Env = append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+work, "LP_NUM_THREADS=1")
	if err := app.Start(); err != nil {
		return err
	}
	defer stop(app)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	find := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--name", "^Fyne floor$")
	find.Env = append(os.Environ(), "DISPLAY="+display)
	if err := find.Run(); err != nil {
		return fmt.Errorf("the Fyne window never showed: %w", err)
	}
	time.Sleep(2 * time.Second) // past its first paints, as the window's runs
	r.cpu, r.paintCPU = cpuOver(app.Process.Pid, windowSeconds)
	return r.readMemory(app.Process.Pid)
}

// cpuOver measures a process for seconds: % of one core in all, and of
// its llvmpipe threads.
func cpuOver(pid int, seconds float64) (cpu, paint float64) {
	before, paintBefore := threadCPU(pid)
	time.Sleep(time.Duration(seconds * float64(time.Second)))
	after, paintAfter := threadCPU(pid)
	return 100 * (after - before) / seconds, 100 * (paintAfter - paintBefore) / seconds
}

// readMemory notes a process's resident memory now.
func (r *windowRun) readMemory(pid int) error {
	r.fileMB, r.anonMB = rssSplit(pid)
	var err error
	r.mem, err = memoryOf([]int{pid})
	return err
}

// copyProgram copies the program for the senders to run: a file of its
// own, so that the window shares no page of its binary with them and its
// PSS is what it would be with nothing else of Confer's running.
func copyProgram(bin, work string) (string, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return "", err
	}
	path := filepath.Join(work, "confer-senders")
	return path, os.WriteFile(path, data, 0o755)
}

// measureTab has a Chromium tab on the same display receive the three
// senders the window just showed, in tiles of the window's size.
func measureTab(bin, url, work, display string, f *windowFigures) error {
	setup := exec.Command(filepath.Join(browserDir, "setup.sh"))
	setup.Stdout, setup.Stderr = os.Stderr, os.Stderr
	if err := setup.Run(); err != nil {
		return fmt.Errorf("%s/setup.sh: %v", browserDir, err)
	}
	f.tab.chromium, f.tab.client = browserVersions()
	tab := browserTab{room: "win", videos: 3, seconds: windowSeconds,
		flags: []string{"--window", fmt.Sprintf("%dx%d", f.three.tileW, f.three.tileH)},
		env:   []string{"DISPLAY=" + display}}
	r, err := tab.run(bin, url, work)
	if err != nil {
		return err
	}
	f.tab.cpu, f.tab.mem, f.tab.procs = r.cpu, r.mem, r.procs
	f.tab.shownFPS = -1
	for id, e := range r.end {
		shown := float64(e.Presented-r.start[id].Presented) / windowSeconds
		if shown <= 0 {
			return fmt.Errorf("the tab showed no frame of %s", id)
		}
		if f.tab.shownFPS < 0 || shown < f.tab.shownFPS {
			f.tab.shownFPS, f.tab.videoW, f.tab.videoH = shown, e.Width, e.Height
		}
	}
	if len(r.end) != 3 {
		return fmt.Errorf("the tab shows %d videos, want 3", len(r.end))
	}
	return nil
}

// windowRunWith starts a window that joins with camera and microphone off,
// waits until it shows every sender, and measures windowSeconds; then,
// with video, watches the display for glass to glass (apart, so that
// reading the screen does not count in the window's CPU).
func windowRunWith(bin, url, work, display string, fb *xvfb.Framebuffer, senders int, env []string, r *windowRun) error {
	dir, err := os.MkdirTemp(work, "window")
	if err != nil {
		return err
	}
	state := filepath.Join(dir, "state.json")
	app := exec.Command(bin, "--fake-devices", "--camera", "off", "--microphone", "off",
		"--server", url, "--room", "win", "--name", "Viewer", "--join", "--state-file", state)
	app.Env = append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+dir, "LANG=en_US.UTF-8")
	app.Env = append(app.Env, env...)
	if err := app.Start(); err != nil {
		return err
	}
	// Quit as a person does (stop: SIGINT), so that the window leaves the
	// call: a killed one would stay in the room, a tile in the next run.
	defer stop(app)
	if _, err := waitState(state, func(s ui.State) bool { return showing(s) == senders && s.Screen == "call" }); err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // past the first keyframes and layouts
	pid := app.Process.Pid
	st0, _ := waitState(state, func(ui.State) bool { return true })
	r.cpu, r.paintCPU = cpuOver(pid, windowSeconds)
	st1, err := waitState(state, func(ui.State) bool { return true })
	if err != nil {
		return err
	}
	r.shownFPS, r.tileW, r.tileH, r.videoW, r.videoH = slowestTile(st0, st1, windowSeconds)
	_ = r.readMemory(pid)
	if senders > 0 {
		r.glass = glassToGlass(fb, st1, glassSeconds*time.Second)
	}
	return nil
}

// showing counts the tiles that show video.
func showing(s ui.State) int {
	n := 0
	for _, t := range s.Tiles {
		if t.ShowsVideo && t.Frames > 0 {
			n++
		}
	}
	return n
}

func slowestTile(a, b ui.State, seconds float64) (fps float64, w, h, videoW, videoH int) {
	fps = -1
	for _, t := range b.Tiles {
		if before := a.Tile(t.User); before != nil && t.VideoOn {
			f := float64(t.Frames-before.Frames) / seconds
			if fps < 0 || f < fps {
				fps, w, h, videoW, videoH = f, t.W, t.H, t.VideoW, t.VideoH
			}
		}
	}
	return max(fps, 0), w, h, videoW, videoH
}

func waitState(path string, ok func(ui.State) bool) (ui.State, error) {
	deadline := time.Now().Add(30 * time.Second)
	var st ui.State
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &st) == nil && ok(st) {
			return st, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return st, fmt.Errorf("the window never got there; last state %+v", st)
}

// threadCPU is a process's CPU seconds in all, and those of its llvmpipe
// (software GL) threads.
func threadCPU(pid int) (total, paint float64) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	for _, t := range tasks {
		name, _ := os.ReadFile(filepath.Join(t, "comm"))
		secs, err := statCPUSeconds(filepath.Join(t, "stat"))
		if err != nil {
			continue
		}
		total += secs
		if strings.HasPrefix(string(name), "llvmpipe") {
			paint += secs
		}
	}
	return total, paint
}
