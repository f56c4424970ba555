//go:build tools

// Package tools pins the packaging tools `make package` builds into bin/tools
// (this directory is its own module, outside confer's).
package tools

import _ "fyne.io/tools/cmd/fyne"
