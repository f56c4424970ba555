// Command confer is the Confer desktop video-call app and, with a
// subcommand, its room server and tools.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"confer/internal/cli"
)

const usage = `usage: confer [command] [flags]

With no command, Confer opens its window.

commands:
  serve   run a room server (LiveKit, in-process)
  token   print an access token for a room and user
  bot     join a room as a headless participant with synthetic media
  admin   list rooms, remove a user, close a room (any LiveKit server)
  version print the version

Run 'confer COMMAND -h' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd, rest := "", args
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' && !strings.Contains(args[0], "://") {
		cmd, rest = args[0], args[1:]
	}
	if len(args) == 1 {
		switch args[0] {
		case "--version", "-version":
			cmd = "version"
		case "--help", "-help", "-h":
			cmd = "help"
		}
	}
	env := cli.Env{Args: rest, Stdout: stdout, Stderr: stderr}
	var err error
	switch cmd {
	case "serve":
		err = cli.Serve(env)
	case "token":
		err = cli.Token(env)
	case "bot":
		err = cli.Bot(env)
	case "admin":
		err = cli.Admin(env)
	case "version":
		fmt.Fprintln(stdout, cli.VersionText())
	case "help":
		fmt.Fprint(stdout, usage)
	case "":
		err = runGUI(env)
	default:
		fmt.Fprintf(stderr, "confer: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case errors.Is(err, cli.ErrChecked):
		return 0
	case errors.Is(err, cli.ErrUsage):
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "confer: %v\n", err)
		return 1
	}
	return 0
}
