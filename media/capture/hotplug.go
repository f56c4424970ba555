package capture

import (
	"log/slog"
	"path/filepath"
	"slices"
	"sync"

	// Cameras (V4L2 on Linux) register themselves when this loads; Rescan
	// asks it to look again. Screens are x11screen's (see UseScreenDriver).
	"github.com/pion/mediadevices/pkg/driver/camera"
)

var videoNodes struct {
	sync.Mutex
	seen  bool
	nodes []string
}

// Rescan brings the device lists up to date with the hardware: cameras
// that appeared or went under /dev, microphones of the sound system.
// mediadevices has no hot-plug observer on Linux, so the window calls this
// every few seconds; it costs a directory listing when nothing changed.
func Rescan(log *slog.Logger) {
	rescanCameras()
	rescanMicrophones(log)
}

// rescanCameras re-registers the video devices when the set of video
// nodes changed. The camera driver's rescan drops every video device,
// screens and synthetic ones included, so those register again after it.
// A camera open at that moment keeps working; it is only unlisted.
func rescanCameras() {
	nodes, _ := filepath.Glob("/dev/video*")
	videoNodes.Lock()
	defer videoNodes.Unlock()
	changed := videoNodes.seen && !slices.Equal(nodes, videoNodes.nodes)
	videoNodes.seen, videoNodes.nodes = true, nodes
	if !changed {
		return
	}
	camera.Initialize()
	rescanScreens()
	registerFakeVideo()
}
