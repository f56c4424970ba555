package cli

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Version is set at build time with -ldflags "-X confer/internal/cli.Version=…".
var Version = "0.1.0-dev"

// VersionText is Confer's version and those of the libraries it is made of.
func VersionText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "confer %s\n", Version)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b.String()
	}
	fmt.Fprintf(&b, "  %-40s %s\n", "go", info.GoVersion)
	for _, m := range info.Deps {
		switch m.Path {
		case "github.com/livekit/livekit-server", "github.com/livekit/server-sdk-go/v2",
			"github.com/pion/webrtc/v4", "github.com/pion/mediadevices",
			"fyne.io/fyne/v2", "github.com/gen2brain/malgo":
			fmt.Fprintf(&b, "  %-40s %s\n", m.Path, m.Version)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
