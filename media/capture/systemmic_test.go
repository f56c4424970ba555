package capture

import (
	"io"
	"testing"
	"time"

	"github.com/gen2brain/malgo"
	"github.com/pion/mediadevices/pkg/prop"

	"confer/internal/testenv"
	"confer/media/devring"
)

// A system microphone on miniaudio's null backend, which records silence
// at the real pace: the reader gets 10 ms periods at that pace, and a
// reader waiting for the next one when the microphone closes gets the end,
// not an error and not a hang.
func TestSystemMicrophoneReadsAtTheDevicesPaceAndEndsOnClose(t *testing.T) {
	ctx, err := malgo.InitContext([]malgo.Backend{devring.BackendNull}, malgo.ContextConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ctx.Uninit(); ctx.Free() }()
	testenv.Labelled("mic", func() {
		mic := &systemMic{ctx: ctx}
		r, err := mic.AudioRecord(prop.Media{})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for i := 0; i < 30; i++ {
			chunk, _, err := r.Read()
			if err != nil {
				t.Fatalf("period %d: %v", i, err)
			}
			if n := chunk.ChunkInfo().Len; n != micChunk {
				t.Fatalf("period %d: %d samples, want %d", i, n, micChunk)
			}
		}
		// The device fills its buffer of a few periods at once first.
		if took := time.Since(start); took < 200*time.Millisecond || took > 1500*time.Millisecond {
			t.Errorf("30 periods of 10 ms in %v", took)
		}
		ended := make(chan error)
		go func() {
			for {
				if _, _, err := r.Read(); err != nil {
					ended <- err
					return
				}
			}
		}()
		_ = mic.Close()
		select {
		case err := <-ended:
			if err != io.EOF {
				t.Errorf("the reader ended with %v, want io.EOF", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the reader still waits 5 s after the microphone closed")
		}
	})
	testenv.CheckNoGoroutines(t, "mic", 5*time.Second)
}
