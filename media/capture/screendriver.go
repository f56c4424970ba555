package capture

import "sync"

// The X11 screen driver links libX11 and libXext, so it is not part of
// this package: a program that shares real screens loads it and hands its
// rescan here (confer does, through media/capture/x11screen); one that
// must run where there is no X11 at all (confer-server) leaves it out and
// shares only synthetic screens.
var screenDriver struct {
	sync.Mutex
	rescan func() // registers the display's screens; nil without a driver
}

// UseScreenDriver has Rescan register real screens again with rescan
// after a camera rescan, which unregisters every video device.
func UseScreenDriver(rescan func()) {
	screenDriver.Lock()
	defer screenDriver.Unlock()
	screenDriver.rescan = rescan
}

func rescanScreens() {
	screenDriver.Lock()
	rescan := screenDriver.rescan
	screenDriver.Unlock()
	if rescan != nil {
		rescan()
	}
}
