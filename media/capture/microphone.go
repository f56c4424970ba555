package capture

import (
	"fmt"
	"sync"
	"time"

	"github.com/pion/mediadevices/pkg/driver"
	"github.com/pion/mediadevices/pkg/io/audio"
	"github.com/pion/mediadevices/pkg/prop"
	"github.com/pion/mediadevices/pkg/wave"

	"confer/media"
)

// Microphone reads 20 ms frames of 48 kHz mono PCM from one opened device,
// whatever period the device delivers in.
type Microphone struct {
	d       driver.Driver
	r       audio.Reader
	pending []int16 // samples read but not yet handed out
	once    sync.Once
}

// OpenMicrophone opens a microphone by ID ("" for the preferred one).
func OpenMicrophone(id string) (*Microphone, error) {
	d, err := find(driver.Microphone, id, ErrNoMicrophone)
	if err != nil {
		return nil, err
	}
	if err := openDriver(d); err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", d.Info().Label, err)
	}
	rec, ok := d.(driver.AudioRecorder)
	if !ok {
		_ = closeDriver(d)
		return nil, ErrUnsupported
	}
	r, err := rec.AudioRecord(prop.Media{Audio: prop.Audio{
		SampleRate:   media.SampleRate,
		ChannelCount: media.Channels,
		SampleSize:   2,
		Latency:      10 * time.Millisecond,
	}})
	if err != nil {
		_ = closeDriver(d)
		return nil, fmt.Errorf("cannot start %s: %w", d.Info().Label, err)
	}
	return &Microphone{d: d, r: r, pending: make([]int16, 0, 4*media.FrameSamples)}, nil
}

// ReadFrame fills pcm (media.FrameSamples long) with the next 20 ms.
func (m *Microphone) ReadFrame(pcm []int16) error {
	for len(m.pending) < len(pcm) {
		chunk, release, err := m.r.Read()
		if err != nil {
			return err
		}
		m.pending = appendMono(m.pending, chunk)
		release()
	}
	n := copy(pcm, m.pending)
	m.pending = m.pending[:copy(m.pending, m.pending[n:])]
	return nil
}

// appendMono appends a chunk as mono int16, averaging channels.
func appendMono(dst []int16, chunk wave.Audio) []int16 {
	info := chunk.ChunkInfo()
	if c, ok := chunk.(*wave.Int16Interleaved); ok && info.Channels == 1 {
		return append(dst, c.Data[:info.Len]...)
	}
	for i := 0; i < info.Len; i++ {
		sum := 0
		for ch := 0; ch < info.Channels; ch++ {
			sum += int(wave.Int16SampleFormat.Convert(chunk.At(i, ch)).(wave.Int16Sample))
		}
		dst = append(dst, int16(sum/info.Channels))
	}
	return dst
}

// Name is the device's name, for messages.
func (m *Microphone) Name() string { return m.d.Info().Label }

// Close stops the device; a blocked ReadFrame returns an error.
func (m *Microphone) Close() error {
	var err error
	m.once.Do(func() { err = closeDriver(m.d) })
	return err
}
