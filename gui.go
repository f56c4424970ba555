package main

import (
	"errors"

	"confer/internal/cli"
)

// runGUI opens the desktop window.
// TODO(desktop app issue): the Fyne lobby and call window; until then the
// command says so instead of pretending.
func runGUI(cli.Env) error {
	return errors.New("the desktop window is not in this build yet; try 'confer serve' and 'confer bot'")
}
