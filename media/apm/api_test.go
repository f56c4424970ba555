package apm

import (
	"errors"
	"sync"
	"testing"
	"time"

	"confer/media"
)

func TestChunkSizeAndClose(t *testing.T) {
	p, err := New(allOn)
	if err != nil {
		t.Fatal(err)
	}
	odd := make([]int16, ChunkSamples+1)
	if err := p.ProcessRender(odd); !errors.Is(err, ErrChunkSize) {
		t.Errorf("render of %d samples: %v, want ErrChunkSize", len(odd), err)
	}
	if _, err := p.ProcessCapture(odd); !errors.Is(err, ErrChunkSize) {
		t.Errorf("capture of %d samples: %v, want ErrChunkSize", len(odd), err)
	}
	if _, err := p.ProcessCapture(nil); err != nil {
		t.Errorf("empty capture: %v", err)
	}
	// A 30 ms buffer is three chunks: any multiple of 10 ms is fine.
	if _, err := p.ProcessCapture(make([]int16, 3*ChunkSamples)); err != nil {
		t.Errorf("30 ms capture: %v", err)
	}
	p.SetStreamDelay(time.Hour) // clamped, not an error
	if _, err := p.ProcessCapture(make([]int16, ChunkSamples)); err != nil {
		t.Errorf("capture with an absurd delay hint: %v", err)
	}
	p.Close()
	p.Close()
	pcm := make([]int16, media.FrameSamples)
	if err := p.ProcessRender(pcm); !errors.Is(err, ErrClosed) {
		t.Errorf("render after Close: %v", err)
	}
	if _, err := p.ProcessCapture(pcm); !errors.Is(err, ErrClosed) {
		t.Errorf("capture after Close: %v", err)
	}
	if err := p.SetConfig(allOn); !errors.Is(err, ErrClosed) {
		t.Errorf("SetConfig after Close: %v", err)
	}
	if s := p.Stats(); s != (Stats{}) {
		t.Errorf("Stats after Close: %+v", s)
	}
}

func TestErrorCodes(t *testing.T) {
	if apmError(0) != nil {
		t.Error("code 0 is not an error")
	}
	for _, code := range []int{-1, -8, -13, -99} {
		if err := apmError(code); !errors.Is(err, ErrLibrary) {
			t.Errorf("code %d: %v, want ErrLibrary", code, err)
		}
	}
	t.Logf("e.g. %v", apmError(-11))
}

// The render and capture callbacks run on different goroutines; with the
// race detector this also checks the locking.
func TestRenderAndCaptureConcurrently(t *testing.T) {
	p, err := New(allOn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	far := pinkNoise(samples(2*time.Second), -30)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() {
		for i := 0; i+media.FrameSamples <= len(far); i += media.FrameSamples {
			if err := p.ProcessRender(far[i : i+media.FrameSamples]); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		capture := delayed(far, 50*time.Millisecond, -6)
		for i := 0; i+media.FrameSamples <= len(capture); i += media.FrameSamples {
			if _, err := p.ProcessCapture(capture[i : i+media.FrameSamples]); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Go(func() {
		for range 50 {
			p.SetStreamDelay(50 * time.Millisecond)
			_ = p.Stats()
			if err := p.SetConfig(allOn); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNoAllocationPerFrame(t *testing.T) {
	p, err := New(allOn)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	far := pinkNoise(media.FrameSamples, -30)
	capture := make([]int16, media.FrameSamples)
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.ProcessRender(far); err != nil {
			t.Fatal(err)
		}
		copy(capture, far)
		if _, err := p.ProcessCapture(capture); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per 20 ms frame, want 0", allocs)
	}
}

// Everything on must stay within 3 % of one core: 600 µs of work per
// 20 ms frame (render and capture).
func TestCPUBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	r := testing.Benchmark(BenchmarkProcess20ms)
	if r.N == 0 {
		t.Skip("benchmark did not run (espeak-ng missing?)")
	}
	per := time.Duration(r.NsPerOp())
	t.Logf("all features on: %v per 20 ms frame = %.2f %% of one core (%d frames)",
		per, 100*float64(per)/float64(media.FrameTime), r.N)
	if per > 600*time.Microsecond {
		t.Errorf("%v per 20 ms frame, budget 600 µs", per)
	}
}
