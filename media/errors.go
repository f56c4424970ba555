package media

import "errors"

// Device errors a person may see. Capture returns them, pipelines pass
// them on, and the call reports them as they are (app re-exports them).
var (
	ErrNoCamera     = errors.New("no camera found")
	ErrNoMicrophone = errors.New("no microphone found")
	ErrNoScreen     = errors.New("no screen to share found")
	// ErrDeviceLost: a device in use went away mid-call.
	ErrDeviceLost = errors.New("it stopped working or was unplugged")
)
