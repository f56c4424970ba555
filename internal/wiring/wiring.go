// Package wiring holds the parts main plugs into the app and the window:
// LiveKit's transport and a room server on this computer. Tests of the
// window use the same parts.
package wiring

import (
	"confer/app"
	"confer/app/livekit"
)

// Transport is LiveKit's transport.
var Transport app.TransportFactory = livekit.Factory
