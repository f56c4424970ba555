// Command confer-server is Confer without its window: the room server and
// the tools (serve, token, bot, admin), for machines with no display. It
// links neither Fyne nor OpenGL nor X11, so it starts where those
// libraries are not installed; its bot shares synthetic screens only.
package main

import (
	"os"

	"confer/internal/cli"
	"confer/internal/servecmd"
)

const usage = `usage: confer-server command [flags]

Confer's room server and tools, without the window (that is confer).

commands:
  serve   run a room server (LiveKit, in-process)
  token   print an access token for a room and user
  bot     join a room as a headless participant with synthetic media
  admin   list rooms, remove a user, close a room (any LiveKit server)
  load    many participants in one process against a server, and what they saw
  version print the version

Run 'confer-server COMMAND -h' for a command's flags.
`

func main() {
	os.Exit(cli.Run(cli.Program{Name: "confer-server", Usage: usage, Serve: servecmd.Serve}, os.Args[1:], os.Stdout, os.Stderr))
}
