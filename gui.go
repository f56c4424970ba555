package main

import (
	"confer/internal/cli"
	"confer/internal/wiring"
	"confer/media/capture"
	"confer/ui"
)

// runGUI opens the desktop window (no subcommand). Flags pre-fill the lobby;
// with --join it joins at once, which is also how invite links and window
// tests drive it.
func runGUI(env cli.Env) error {
	opts, logLevel, fake, err := cli.GUIFlags(env)
	if err != nil {
		return err
	}
	opts.Log = cli.NewLogger(env.Stderr, logLevel)
	opts.Transport, opts.StartHost = wiring.Transport, wiring.StartHost
	if fake != "" {
		if err := cli.RegisterFakeDevices(fake); err != nil {
			return err
		}
	} else {
		capture.RegisterSystemMicrophones(opts.Log)
	}
	defer profileCPU()()
	return ui.Run(opts)
}
