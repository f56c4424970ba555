// Command confer is the Confer desktop video-call app and, with a
// subcommand, its room server and tools.
package main

import (
	"os"

	"confer/internal/cli"
	"confer/media/capture/x11screen"
)

const usage = `usage: confer [command] [flags]

With no command, Confer opens its window.

commands:
  serve   run a room server (LiveKit, in-process)
  token   print an access token for a room and user
  bot     join a room as a headless participant with synthetic media
  admin   list rooms, remove a user, close a room (any LiveKit server)
  load    many participants in one process against a server, and what they saw
  version print the version

Run 'confer COMMAND -h' for a command's flags.
`

func main() {
	x11screen.Enable() // the window and `confer bot --screen X11Screen0` share real screens
	os.Exit(cli.Run(cli.Program{Name: "confer", Usage: usage, Window: runGUI}, os.Args[1:], os.Stdout, os.Stderr))
}
