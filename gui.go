package main

import (
	"os"
	"runtime/debug"

	"confer/internal/cli"
	xdisplay "confer/internal/display" // window tests have their own display
	// Before Fyne's init reads the locale: see the package.
	_ "confer/internal/fynelocale"
	"confer/internal/wiring"
	"confer/media/capture"
	"confer/ui"
)

// runGUI opens the desktop window (no subcommand). Flags pre-fill the lobby;
// with --join it joins at once, which is also how invite links and window
// tests drive it.
func runGUI(env cli.Env) error {
	w, logLevel, fake, err := cli.GUIFlags(env)
	if err != nil {
		return err
	}
	if err := xdisplay.Check(os.Getenv("DISPLAY")); err != nil {
		return err
	}
	opts := windowOptions(w)
	if opts.Log, err = cli.NewLogger(env.Stderr, logLevel, w.Password, w.Token, w.E2EE.Passphrase()); err != nil {
		return err
	}
	opts.Transport, opts.StartHost = wiring.Transport, wiring.StartHost
	if fake != "" {
		if err := cli.RegisterFakeDevices(fake); err != nil {
			return err
		}
	} else {
		capture.RegisterSystemMicrophones(opts.Log)
	}
	paintInOneThread()
	collectSooner()
	defer profileHeap()
	defer profileCPU()()
	return ui.Run(opts)
}

// paintInOneThread keeps Mesa's software renderer (llvmpipe, the painter on
// machines without a GPU) to one thread unless the user chose otherwise.
// With its default, a thread per core, the threads' hand-offs for every
// repaint cost more than splitting the window gains: with three 720p30
// videos shown, the window took 75–82 % of a core with two threads and
// 66–74 % with one, in alternating runs on a 2-core machine (2026-11-30).
// GPU drivers do not read the variable.
func paintInOneThread() {
	if _, set := os.LookupEnv("LP_NUM_THREADS"); !set {
		_ = os.Setenv("LP_NUM_THREADS", "1")
	}
}

// collectSooner has the Go heap collected when it has grown by half of
// what is live, not doubled, unless the user set GOGC. In a call the
// window allocates little (one collection in 20 s with three videos
// shown), so the collections cost nothing to speak of, and the heap
// stays near its live 16 MB instead of climbing to twice that: the
// window's RSS with three streams was 171–176 MB against 184–191 MB
// (one call each, two runs of each, smaps_rollup after 30 s, 2026-12-03).
func collectSooner() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(50)
	}
}

// windowOptions is what the command line asked of the window, as ui takes it.
func windowOptions(w cli.WindowOptions) ui.Options {
	return ui.Options{
		Server: w.Server, Room: w.Room, Name: w.Name,
		Password: w.Password, Token: w.Token, Join: w.Join,
		Camera: w.Camera, Microphone: w.Microphone,
		StatePath: w.StatePath, E2EE: w.E2EE,
		FyneVideo: os.Getenv("CONFER_VIDEO") == "fyne",
	}
}
