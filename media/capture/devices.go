// Package capture opens cameras and microphones through mediadevices' driver
// registry and hands out I420 frames and 20 ms PCM frames. Real drivers
// register themselves when their packages are imported (main does that);
// RegisterFakeDevices adds synthetic ones that behave the same way.
package capture

import (
	"errors"
	"sort"

	"github.com/pion/mediadevices/pkg/driver"

	"confer/media"
)

// Errors a person may see.
var (
	ErrNoCamera       = media.ErrNoCamera
	ErrNoMicrophone   = media.ErrNoMicrophone
	ErrDeviceNotFound = errors.New("the chosen device is not connected")
	ErrUnsupported    = errors.New("the device offers no format Confer can use")
	ErrDeviceGone     = errors.New("the device was unplugged")
)

// Device is one capture device, for pickers.
type Device struct {
	ID   string // the driver's label: stable across runs, unlike its registry ID
	Name string
}

// Cameras lists the cameras, the preferred one first.
func Cameras() []Device { return list(driver.Camera) }

// Microphones lists the microphones, the preferred one first.
func Microphones() []Device { return list(driver.Microphone) }

func list(kind driver.DeviceType) []Device {
	ds := query(kind)
	out := make([]Device, 0, len(ds))
	for _, d := range ds {
		name := d.Info().Name
		if name == "" {
			name = d.Info().Label
		}
		out = append(out, Device{ID: d.Info().Label, Name: name})
	}
	return out
}

// query returns the drivers of a kind, highest priority first.
func query(kind driver.DeviceType) []driver.Driver {
	ds := driver.GetManager().Query(driver.FilterDeviceType(kind))
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Info().Priority > ds[j].Info().Priority })
	return ds
}

// find returns the driver with this ID, or the preferred one when id is "".
func find(kind driver.DeviceType, id string, none error) (driver.Driver, error) {
	ds := query(kind)
	if len(ds) == 0 {
		return nil, none
	}
	if id == "" {
		return ds[0], nil
	}
	for _, d := range ds {
		if d.Info().Label == id {
			return d, nil
		}
	}
	return nil, ErrDeviceNotFound
}
