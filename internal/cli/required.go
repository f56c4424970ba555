package cli

import (
	"fmt"
	"strings"
)

// need is a flag a command cannot run without: its name, the value it was
// given, and what it is, for the message when it is missing.
type need struct {
	flag, value, what string
}

// requireFlags prints one sentence for each flag in needs that was given
// no value, naming it and saying what it is for, and returns ErrUsage if
// any was missing. A flag's whole usage would bury the one thing wrong.
func requireFlags(env Env, cmd string, needs ...need) error {
	missing := false
	for _, n := range needs {
		if strings.TrimSpace(n.value) == "" {
			fmt.Fprintf(env.Stderr, "%s %s needs --%s: %s.\n", env.prog(), cmd, n.flag, n.what)
			missing = true
		}
	}
	if missing {
		return ErrUsage
	}
	return nil
}
