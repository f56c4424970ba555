// Package x11screen lets a program share the screens of its X11 display.
// It is apart from capture because it links libX11 and libXext, which a
// server without a display may not have: confer loads it, confer-server
// does not.
package x11screen

import (
	// Loading the driver registers the display's screens.
	"github.com/pion/mediadevices/pkg/driver/screen"

	"confer/media/capture"
)

// Enable keeps the screens listed across device rescans.
func Enable() { capture.UseScreenDriver(screen.Initialize) }
