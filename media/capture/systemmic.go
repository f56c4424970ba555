package capture

import (
	"io"
	"log/slog"
	"sync"
	"time"
	"unsafe"

	"github.com/gen2brain/malgo"
	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/audio"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/mediadevices/pkg/wave"

	"confer/media"
	"confer/media/devring"
)

var systemMicsOnce sync.Once

// RegisterSystemMicrophones registers the sound system's capture devices
// with the driver registry, once. mediadevices' own microphone driver does
// this in init() for every program that imports it, and panics when the
// sound system cannot start; Confer only looks when the window opens, and
// goes on without microphones when there are none.
func RegisterSystemMicrophones(log *slog.Logger) {
	systemMicsOnce.Do(func() {
		if !media.SoundSystemPresent() {
			log.Info("no sound system: no microphones")
			return
		}
		ctx, err := malgo.InitContext(nil, malgo.ContextConfig{}, nil)
		if err != nil {
			log.Warn("sound system did not start", "err", err)
			return
		}
		sysMics.Lock()
		sysMics.ctx = ctx
		sysMics.Unlock()
		rescanMicrophones(log)
	})
}

// sysMics is the sound system's context and the microphones registered
// from it, by label.
var sysMics struct {
	sync.Mutex
	ctx    *malgo.AllocatedContext
	labels map[string]bool
}

// rescanMicrophones registers microphones that appeared and removes those
// gone since the last look.
func rescanMicrophones(log *slog.Logger) {
	sysMics.Lock()
	defer sysMics.Unlock()
	if sysMics.ctx == nil {
		return
	}
	devices, err := sysMics.ctx.Devices(malgo.Capture)
	if err != nil {
		log.Warn("cannot list microphones", "err", err)
		return
	}
	now := map[string]bool{}
	for _, d := range devices {
		label := d.ID.String()
		now[label] = true
		if sysMics.labels[label] {
			continue
		}
		prio := driver.PriorityNormal
		if d.IsDefault > 0 {
			prio = driver.PriorityHigh
		}
		_ = driver.GetManager().Register(&systemMic{ctx: sysMics.ctx, id: d.ID},
			driver.Info{Label: label, Name: d.Name(), DeviceType: driver.Microphone, Priority: prio})
	}
	for label := range sysMics.labels {
		if !now[label] {
			deleteByLabel(label)
		}
	}
	sysMics.labels = now
}

// systemMic captures 48 kHz mono with 10 ms periods. The device's callback
// is C (media/devring): it copies each period into a ring and wakes the
// reader, and never enters Go. When the reader is late by the whole ring,
// periods are dropped rather than queued.
type systemMic struct {
	ctx *malgo.AllocatedContext
	id  malgo.DeviceID

	mu   sync.Mutex
	dev  *malgo.Device
	ring *devring.Ring
	done chan struct{}
}

const micChunk = media.SampleRate / 100 // 10 ms

func (m *systemMic) Open() error { return nil }

func (m *systemMic) Properties() []prop.Media {
	return []prop.Media{{Audio: prop.Audio{SampleRate: media.SampleRate, ChannelCount: 1, SampleSize: 2}}}
}

func (m *systemMic) AudioRecord(prop.Media) (audio.Reader, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ring, err := devring.New()
	if err != nil {
		return nil, err
	}
	// The device stops by itself when it is unplugged (Close stops it
	// too, after closing done): the reader then fails instead of waiting
	// for audio that never comes.
	stopped := make(chan struct{})
	var stopOnce sync.Once
	dev, err := malgo.InitDevice(m.ctx.Context, micConfig(m.id), malgo.DeviceCallbacks{
		Data: func(_, in []byte, frames uint32) { // only where the C callback cannot be attached
			if len(in) >= int(frames)*2 {
				ring.Put(unsafe.Slice((*int16)(unsafe.Pointer(&in[0])), frames))
			}
		},
		Stop: func() { stopOnce.Do(func() { close(stopped); ring.Close() }) },
	})
	if err != nil {
		ring.Free()
		return nil, err
	}
	if err := ring.AttachCapture(dev, m.ctx, media.SampleRate); err != nil {
		slog.Warn("the microphone calls into Go", "err", err)
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		ring.Free()
		return nil, err
	}
	m.dev, m.ring, m.done = dev, ring, make(chan struct{})
	return micReader(ring, m.done, stopped), nil
}

func micConfig(id malgo.DeviceID) malgo.DeviceConfig {
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.Capture.DeviceID = id.Pointer()
	cfg.SampleRate = media.SampleRate
	cfg.PeriodSizeInFrames = micChunk
	cfg.PerformanceProfile = malgo.LowLatency
	return cfg
}

// micReader hands out the ring's periods one by one, waiting for the next;
// after Close it reports the end, after an unplug that the device is gone.
// The ring is released when the reader is (devring.Ring's cleanup): a
// reader may still be waiting on it when the microphone closes.
func micReader(ring *devring.Ring, done, stopped chan struct{}) audio.Reader {
	out := wave.NewInt16Interleaved(wave.ChunkInfo{Len: micChunk, Channels: 1, SamplingRate: media.SampleRate})
	take := func(pcm []int16, _ time.Time) {
		out.Data = append(out.Data[:0], pcm...)
		out.Size.Len = len(pcm)
	}
	return audio.ReaderFunc(func() (wave.Audio, func(), error) {
		for {
			select {
			case <-done:
				return nil, nil, io.EOF
			default:
			}
			select {
			case <-stopped:
				return nil, nil, ErrDeviceGone
			default:
			}
			if ring.Next(take) {
				return out, func() {}, nil
			}
			_ = ring.Wait() // closed: the next turn says why
		}
	})
}

func (m *systemMic) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done != nil { // first: stopping the device also reports a stop
		close(m.done)
		m.done = nil
	}
	if m.dev != nil {
		_ = m.dev.Stop()
		m.dev.Uninit()
		m.dev = nil
	}
	if m.ring != nil {
		m.ring.Close()
		m.ring = nil
	}
	return nil
}
