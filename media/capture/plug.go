package capture

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/mediadevices/pkg/driver"

	"confer/media/synth"
)

// plug is a synthetic device's connection: pulling it makes a capture in
// progress fail the way unplugged hardware does.
type plug struct{ out atomic.Bool }

func (p *plug) pulled() bool { return p != nil && p.out.Load() }

// fakeDevice is what every synthetic device shares: Open and Close like a
// driver's, and a frame clock that Close stops and unplugging breaks.
type fakeDevice struct {
	plug *plug
	mu   sync.Mutex
	stop chan struct{} // closed by Close; guarded by mu
}

func (d *fakeDevice) Open() error {
	d.mu.Lock()
	d.stop = make(chan struct{})
	d.mu.Unlock()
	return nil
}

func (d *fakeDevice) Close() error {
	d.mu.Lock()
	if d.stop != nil {
		close(d.stop)
		d.stop = nil
	}
	d.mu.Unlock()
	return nil
}

// clock returns a function that waits for the next tick of a device
// running at period: io.EOF once the device is closed, ErrDeviceGone once
// it is unplugged.
func (d *fakeDevice) clock(period time.Duration) func() error {
	d.mu.Lock()
	stop := d.stop
	d.mu.Unlock()
	tick := time.NewTicker(period)
	return func() error {
		select {
		case <-stop:
			tick.Stop()
			return io.EOF
		case <-tick.C:
		}
		if d.plug.pulled() {
			return ErrDeviceGone
		}
		return nil
	}
}

// fake is one synthetic device, kept so it can be unplugged, plugged back
// and registered again after a rescan of the real devices.
type fake struct {
	info driver.Info
	make func(*plug) driver.Adapter
	plug *plug
}

var (
	fakesMu sync.Mutex
	fakes   = map[string]*fake{} // by label
)

func addFake(info driver.Info, make func(*plug) driver.Adapter) {
	f := &fake{info: info, make: make, plug: &plug{}}
	fakesMu.Lock()
	fakes[info.Label] = f
	fakesMu.Unlock()
	_ = driver.GetManager().Register(make(f.plug), info)
}

func newFakeCamera(p *plug) driver.Adapter { return &fakeCamera{fakeDevice: fakeDevice{plug: p}} }
func newFakeScreen(p *plug) driver.Adapter { return &fakeScreen{fakeDevice: fakeDevice{plug: p}} }

// fakeMicWith makes microphones of a signal.
func fakeMicWith(signal synth.Signal) func(*plug) driver.Adapter {
	return func(p *plug) driver.Adapter { return &fakeMic{signal: signal, fakeDevice: fakeDevice{plug: p}} }
}

// Unplug makes a synthetic device vanish as hardware does: a capture in
// progress fails with ErrDeviceGone and the device leaves the lists. It
// reports whether there was such a device.
func Unplug(id string) bool {
	fakesMu.Lock()
	f := fakes[id]
	fakesMu.Unlock()
	if f == nil {
		return false
	}
	f.plug.out.Store(true)
	deleteByLabel(id)
	return true
}

// Plug brings an unplugged synthetic device back, like plugging it in.
func Plug(id string) bool {
	fakesMu.Lock()
	f := fakes[id]
	if f != nil && f.plug.pulled() {
		f.plug = &plug{}
	} else {
		f = nil
	}
	fakesMu.Unlock()
	if f == nil {
		return false
	}
	_ = driver.GetManager().Register(f.make(f.plug), f.info)
	return true
}

// registerFakeVideo registers the synthetic cameras and screens again
// after the camera driver's rescan removed every video device.
func registerFakeVideo() {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	for _, f := range fakes {
		if f.info.DeviceType != driver.Microphone && !f.plug.pulled() {
			_ = driver.GetManager().Register(f.make(f.plug), f.info)
		}
	}
}

func deleteByLabel(label string) {
	m := driver.GetManager()
	for _, d := range m.Query(func(d driver.Driver) bool { return d.Info().Label == label }) {
		m.Delete(d.ID())
	}
}
