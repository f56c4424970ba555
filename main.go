// Command confer is the Confer desktop video-call app and, with a
// subcommand, its tools. The room server is confer-server's: `confer serve`
// and "Host on this computer" run it, so the window links no server.
package main

import (
	"os"

	"confer/internal/cli"
	"confer/internal/wiring"
	"confer/media/capture/x11screen"
)

const usage = `usage: confer [command] [flags]

With no command, Confer opens its window.

commands:
  serve   run a room server (LiveKit; runs confer-server serve)
  token   print an access token for a room and user
  bot     join a room as a headless participant with synthetic media
  admin   list rooms, remove a user, close a room (any LiveKit server)
  load    many participants in one process against a server, and what they saw
  version print the version

Run 'confer COMMAND -h' for a command's flags.
`

func main() {
	x11screen.Enable() // the window and `confer bot --screen X11Screen0` share real screens
	os.Exit(cli.Run(cli.Program{Name: "confer", Usage: usage, Window: runGUI,
		Serve: cli.ServeWith(wiring.ServerProgram)}, os.Args[1:], os.Stdout, os.Stderr))
}
