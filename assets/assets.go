// Package assets holds what the app carries inside the binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is Confer's icon (made from packaging/confer.svg by
// packaging/icons.sh), for the window and the dock.
var Icon = fyne.NewStaticResource("confer.png", iconPNG)
