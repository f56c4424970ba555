package devring

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/gen2brain/malgo"
)

// A capture device on miniaudio's null backend records silence at the real
// pace. Once attached, its callback never calls into Go, and every period
// reaches the ring, stamped 10 ms after the one before.
func TestACaptureDeviceFillsTheRingWithoutCallingGo(t *testing.T) {
	ctx, err := malgo.InitContext([]malgo.Backend{BackendNull}, malgo.ContextConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ctx.Uninit(); ctx.Free() }()
	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = 1
	cfg.SampleRate = 48000
	cfg.PeriodSizeInFrames = Block
	var goCalls atomic.Int64
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{
		Data: func(_, _ []byte, _ uint32) { goCalls.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if err := ring.AttachCapture(dev, ctx, 48000); err != nil {
		t.Fatal(err)
	}
	if err := dev.Start(); err != nil {
		t.Fatal(err)
	}
	var stamps []time.Time
	deadline := time.Now().Add(5 * time.Second)
	for len(stamps) < 30 && time.Now().Before(deadline) {
		if err := ring.Wait(); err != nil {
			t.Fatal(err)
		}
		ring.Drain(func(pcm []int16, at time.Time) {
			if len(pcm) != Block {
				t.Errorf("a block of %d samples, want %d", len(pcm), Block)
			}
			stamps = append(stamps, at)
		})
	}
	_ = dev.Stop()
	dev.Uninit()
	ring.Free()
	if n := goCalls.Load(); n != 0 {
		t.Errorf("the device called Go %d times", n)
	}
	if len(stamps) < 30 {
		t.Fatalf("%d blocks in 5 s", len(stamps))
	}
	// The null device's own thread sleeps between periods: its pace, not
	// each period's, is 10 ms.
	if span := stamps[len(stamps)-1].Sub(stamps[3]); span < 200*time.Millisecond || span > 400*time.Millisecond {
		t.Errorf("%d blocks over %v, want about %v", len(stamps)-4, span, time.Duration(len(stamps)-4)*10*time.Millisecond)
	}
}

// Close wakes a reader waiting for the device, for good.
func TestCloseWakesTheWaiter(t *testing.T) {
	ring, err := New()
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error)
	go func() { waited <- ring.Wait() }()
	ring.Close()
	if err := <-waited; err != ErrClosed {
		t.Fatalf("Wait after Close: %v", err)
	}
	if err := ring.Wait(); err != ErrClosed {
		t.Fatalf("the next Wait: %v", err)
	}
	ring.Free()
}
