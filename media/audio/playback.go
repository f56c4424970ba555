package audio

import (
	"errors"
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/gen2brain/malgo"

	"confer/media"
	"confer/media/devring"
)

// Player plays a Mixer through a playback device with 10 ms periods. With no
// sound card (a server, CI) it falls back to miniaudio's null device, which
// consumes audio at the real rate, so the rest of the app behaves the same.
type Player struct {
	mixer     *Mixer
	speakerID string
	log       *slog.Logger
	ctx       *malgo.AllocatedContext
	dev       *malgo.Device
	pump      *pump // nil: the device calls the mixer in Go (pump.go)
	isNull    bool
}

// periodMs is the device's period: what one callback plays.
const periodMs = 10

// ErrNoPlayback means not even the null device could be opened.
var ErrNoPlayback = errors.New("no audio output could be opened")

// NewPlayer opens the default playback device (or the null device) and
// starts playing m.
func NewPlayer(m *Mixer, log *slog.Logger) (*Player, error) {
	return NewPlayerOn(m, "", log)
}

// NewPlayerOn is NewPlayer on a chosen output (an ID from Speakers; "" for
// the system's default). An output that is gone falls back to the default.
func NewPlayerOn(m *Mixer, speakerID string, log *slog.Logger) (*Player, error) {
	if log == nil {
		log = slog.Default()
	}
	p := &Player{mixer: m, speakerID: speakerID, log: log}
	err := errors.New("no sound device on this machine")
	if media.SoundSystemPresent() {
		err = p.open(nil)
	}
	if err != nil {
		log.Info("no sound card; playing to the null device", "err", err)
		p.isNull = true
		err = p.open([]malgo.Backend{devring.BackendNull})
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoPlayback, err)
	}
	return p, nil
}

func (p *Player) open(backends []malgo.Backend) error {
	ctx, err := malgo.InitContext(backends, malgo.ContextConfig{}, nil)
	if err != nil {
		return err
	}
	cfg := malgo.DefaultDeviceConfig(malgo.Playback)
	if id, ok := findSpeaker(ctx, p.speakerID); ok {
		cfg.Playback.DeviceID = id.Pointer()
	}
	cfg.Playback.Format = malgo.FormatS16
	cfg.Playback.Channels = media.Channels
	cfg.SampleRate = media.SampleRate
	cfg.PeriodSizeInMilliseconds = periodMs
	cfg.PerformanceProfile = malgo.LowLatency
	mix := p.mixer.Mix
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{
		Data: func(out, _ []byte, frames uint32) {
			if len(out) < int(frames)*2 {
				return
			}
			mix(unsafe.Slice((*int16)(unsafe.Pointer(&out[0])), frames))
		},
	})
	if err != nil {
		_ = ctx.Uninit()
		ctx.Free()
		return err
	}
	p.ctx, p.dev = ctx, dev
	p.pump, err = attachPump(p.mixer, dev, ctx, media.SampleRate)
	if p.pump == nil {
		p.log.Warn("audio output calls into Go", "err", err)
	}
	if err := dev.Start(); err != nil {
		p.Close()
		return err
	}
	return nil
}

// Speaker is an audio output, for pickers.
type Speaker struct {
	ID   string
	Name string
}

// Speakers lists the audio outputs, the default first. With no sound system
// there is one: the null device, which plays nowhere.
func Speakers() []Speaker {
	if !media.SoundSystemPresent() {
		return []Speaker{{ID: "", Name: "No sound device"}}
	}
	ctx, err := malgo.InitContext(nil, malgo.ContextConfig{}, nil)
	if err != nil {
		return []Speaker{{ID: "", Name: "Default output"}}
	}
	defer func() { _ = ctx.Uninit(); ctx.Free() }()
	infos, err := ctx.Devices(malgo.Playback)
	if err != nil {
		return []Speaker{{ID: "", Name: "Default output"}}
	}
	out := []Speaker{{ID: "", Name: "Default output"}}
	for _, d := range infos {
		out = append(out, Speaker{ID: d.ID.String(), Name: d.Name()})
	}
	return out
}

// findSpeaker finds an output by the ID Speakers gave.
func findSpeaker(ctx *malgo.AllocatedContext, id string) (malgo.DeviceID, bool) {
	if id == "" {
		return malgo.DeviceID{}, false
	}
	infos, err := ctx.Devices(malgo.Playback)
	if err != nil {
		return malgo.DeviceID{}, false
	}
	for _, d := range infos {
		if d.ID.String() == id {
			return d.ID, true
		}
	}
	return malgo.DeviceID{}, false
}

// IsNull tells whether audio goes to the null device (no sound card).
func (p *Player) IsNull() bool { return p.isNull }

// Close stops the device and releases it.
func (p *Player) Close() {
	if p.dev == nil {
		return
	}
	_ = p.dev.Stop()
	p.dev.Uninit()
	if p.pump != nil {
		p.pump.stop()
		p.pump = nil
	}
	_ = p.ctx.Uninit()
	p.ctx.Free()
	p.dev = nil
}
