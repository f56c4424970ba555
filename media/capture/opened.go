package capture

import (
	"sync"

	"github.com/pion/mediadevices/pkg/driver"
)

// mediadevices keeps a driver's state (closed, opened, running) without
// synchronisation, and a device is opened and closed from different
// goroutines: a call's worker closes the microphone as it leaves while
// the lobby's preview opens it again. Every open and close here goes
// through the device's own lock, which orders them; the set of open
// devices is kept beside, for OpenDevices to read without touching the
// drivers' state.
var devices = struct {
	sync.Mutex
	locks  map[string]*sync.Mutex // by driver ID
	labels map[string]string      // open ones, by driver ID
}{locks: map[string]*sync.Mutex{}, labels: map[string]string{}}

// deviceLock is the lock that orders d's opens and closes.
func deviceLock(d driver.Driver) *sync.Mutex {
	devices.Lock()
	defer devices.Unlock()
	l := devices.locks[d.ID()]
	if l == nil {
		l = new(sync.Mutex)
		devices.locks[d.ID()] = l
	}
	return l
}

// openDriver opens d and records it as open.
func openDriver(d driver.Driver) error {
	l := deviceLock(d)
	l.Lock()
	defer l.Unlock()
	if err := d.Open(); err != nil {
		return err
	}
	devices.Lock()
	devices.labels[d.ID()] = d.Info().Label
	devices.Unlock()
	return nil
}

// closeDriver closes d and records it as closed.
func closeDriver(d driver.Driver) error {
	l := deviceLock(d)
	l.Lock()
	defer l.Unlock()
	devices.Lock()
	delete(devices.labels, d.ID())
	devices.Unlock()
	return d.Close()
}

// OpenDevices lists the labels of the capture devices open now, to check
// that nothing is left open.
func OpenDevices() []string {
	devices.Lock()
	defer devices.Unlock()
	out := make([]string, 0, len(devices.labels))
	for _, l := range devices.labels {
		out = append(out, l)
	}
	return out
}
