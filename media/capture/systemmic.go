package capture

import (
	"io"
	"log/slog"
	"sync"
	"unsafe"

	"github.com/gen2brain/malgo"
	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/audio"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/mediadevices/pkg/wave"

	"confer/media"
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

// systemMic captures 48 kHz mono with 10 ms periods. The device callback
// copies into preallocated chunks and hands them over without blocking;
// when the reader is late, chunks are dropped rather than queued.
type systemMic struct {
	ctx *malgo.AllocatedContext
	id  malgo.DeviceID

	mu     sync.Mutex
	dev    *malgo.Device
	chunks chan []int16
	free   chan []int16
	done   chan struct{}
}

const micChunk = media.SampleRate / 100 // 10 ms

func (m *systemMic) Open() error { return nil }

func (m *systemMic) Properties() []prop.Media {
	return []prop.Media{{Audio: prop.Audio{SampleRate: media.SampleRate, ChannelCount: 1, SampleSize: 2}}}
}

func (m *systemMic) AudioRecord(prop.Media) (audio.Reader, error) {
	const queued = 8
	m.mu.Lock()
	defer m.mu.Unlock()
	m.chunks, m.free, m.done = make(chan []int16, queued), make(chan []int16, queued), make(chan struct{})
	for i := 0; i < queued; i++ {
		m.free <- make([]int16, micChunk)
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.Capture.DeviceID = m.id.Pointer()
	cfg.SampleRate = media.SampleRate
	cfg.PeriodSizeInFrames = micChunk
	cfg.PerformanceProfile = malgo.LowLatency
	chunks, free := m.chunks, m.free
	// The device stops by itself when it is unplugged (Close stops it
	// too, after closing done): the reader then fails instead of waiting
	// for audio that never comes.
	stopped := make(chan struct{})
	var stopOnce sync.Once
	dev, err := malgo.InitDevice(m.ctx.Context, cfg, malgo.DeviceCallbacks{
		Data: func(_, in []byte, frames uint32) {
			if len(in) < int(frames)*2 {
				return
			}
			pcm := unsafe.Slice((*int16)(unsafe.Pointer(&in[0])), frames)
			select {
			case buf := <-free:
				n := copy(buf[:cap(buf)], pcm)
				select {
				case chunks <- buf[:n]:
				default:
					free <- buf
				}
			default: // reader is behind: drop this period
			}
		},
		Stop: func() { stopOnce.Do(func() { close(stopped) }) },
	})
	if err != nil {
		return nil, err
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		return nil, err
	}
	m.dev = dev
	done := m.done
	out := wave.NewInt16Interleaved(wave.ChunkInfo{Len: micChunk, Channels: 1, SamplingRate: media.SampleRate})
	return audio.ReaderFunc(func() (wave.Audio, func(), error) {
		select {
		case <-done:
			return nil, nil, io.EOF
		case <-stopped:
			select {
			case <-done:
				return nil, nil, io.EOF
			default:
				return nil, nil, ErrDeviceGone
			}
		case buf := <-chunks:
			out.Data = append(out.Data[:0], buf...)
			out.Size.Len = len(buf)
			free <- buf[:cap(buf)]
			return out, func() {}, nil
		}
	}), nil
}

func (m *systemMic) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.dev != nil {
		_ = m.dev.Stop()
		m.dev.Uninit()
		m.dev = nil
	}
	if m.done != nil {
		close(m.done)
		m.done = nil
	}
	return nil
}
