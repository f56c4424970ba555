package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Program is a binary's main: its name, its --help text, and what it does
// with no command.
type Program struct {
	Name  string
	Usage string
	// Window opens the desktop window; nil in a program without one
	// (confer-server), which then prints its usage.
	Window func(Env) error
	// Serve runs a room server (`serve`): servecmd.Serve in confer-server,
	// which links the server; ServeWith in confer, which does not.
	Serve func(Env) error
}

// Run runs one command line and returns the exit status: 0, 1 for a
// failure (printed as one line), 2 for a command line that does not fit.
func Run(p Program, args []string, stdout, stderr io.Writer) int {
	cmd, rest := command(args)
	env := Env{Prog: p.Name, Args: rest, Stdout: stdout, Stderr: stderr}
	var err error
	switch cmd {
	case "serve":
		err = p.serve(env)
	case "token":
		err = Token(env)
	case "bot":
		err = Bot(env)
	case "admin":
		err = Admin(env)
	case "load":
		err = Load(env)
	case "version":
		fmt.Fprintln(stdout, VersionText())
	case "help":
		fmt.Fprint(stdout, p.Usage)
	case "":
		if p.Window == nil {
			fmt.Fprint(stderr, p.Usage)
			return 2
		}
		err = p.Window(env)
	default:
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n%s", p.Name, cmd, p.Usage)
		return 2
	}
	switch {
	case errors.Is(err, ErrChecked):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\n", p.Name, err)
		return 1
	}
	return 0
}

// command splits off the subcommand: the first argument unless it is a
// flag or an invite link, which belong to the window. --version and
// --help alone are commands too.
func command(args []string) (cmd string, rest []string) {
	if len(args) == 1 {
		switch args[0] {
		case "--version", "-version":
			return "version", nil
		case "--help", "-help", "-h":
			return "help", nil
		}
	}
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' && !strings.Contains(args[0], "://") {
		return args[0], args[1:]
	}
	return "", args
}
