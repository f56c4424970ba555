// Command fynefloor is the smallest Fyne window: one label, in a window the
// size of Confer's. The window bench measures it on the same display as
// Confer's window: what any Fyne program takes there before anything of
// Confer's (the toolkit, Mesa's painter, a Go program's runtime).
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// title is how the bench finds the window.
const title = "Fyne floor"

func main() {
	a := app.NewWithID("dev.confer.fynefloor")
	w := a.NewWindow(title)
	w.SetContent(widget.NewLabel("A Fyne window with one label"))
	w.Resize(fyne.NewSize(1024, 700))
	w.ShowAndRun()
}
