package video

import (
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"confer/media"
)

// Requests that come faster than keyframes may answer them (two viewers
// joined just after the stream started) are answered once the wait is
// over, by one keyframe; they are not forgotten.
func TestKeyframeAskedDuringTheWaitIsAnsweredAfterIt(t *testing.T) {
	src := &steppedSource{frames: make(chan *media.VideoFrame), closed: make(chan struct{})}
	out := &keyframeLog{written: make(chan bool)}
	s := StartSender(src, out, SenderConfig{BitrateKbps: 500, FPS: 30})
	defer s.Stop()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	send := func(i int) bool {
		f := media.NewI420(64, 48)
		f.Timestamp = start.Add(time.Duration(i) * 33 * time.Millisecond)
		src.frames <- f
		return <-out.written
	}
	if !send(0) {
		t.Fatal("the first frame is not a keyframe")
	}
	s.RequestKeyframe() // answered at once: two may come back to back
	if !send(1) {
		t.Fatal("frame 1 is not a keyframe")
	}
	var keys []int
	for i := 2; i < 20; i++ {
		if i == 2 || i == 3 {
			s.RequestKeyframe() // within minKeyframeGap of frame 0
		}
		if send(i) {
			keys = append(keys, i)
		}
	}
	// minKeyframeGap (300 ms) after frame 0 is frame 10 (330 ms).
	if len(keys) != 1 || keys[0] != 10 {
		t.Fatalf("keyframes at frames %v; want one, at frame 10", keys)
	}
}

// steppedSource hands over the frames the test sends, one Read each.
type steppedSource struct {
	frames chan *media.VideoFrame
	closed chan struct{}
	once   sync.Once
}

func (s *steppedSource) Read() (*media.VideoFrame, func(), error) {
	select {
	case f := <-s.frames:
		return f, func() {}, nil
	case <-s.closed:
		return nil, nil, io.EOF
	}
}

func (s *steppedSource) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

// keyframeLog tells, for every frame written, whether it was a keyframe
// (VP8's frame tag: bit 0 clear).
type keyframeLog struct{ written chan bool }

func (k *keyframeLog) WriteSample(s media.Sample) error {
	k.written <- len(s.Data) > 0 && s.Data[0]&1 == 0
	return nil
}

// A StartSmall sender sends its smallest layer only, until a target
// picks the shape; the shape it picks holds from the next frame, without
// the wait that guards later changes.
func TestStartSmallWaitsForTheFirstTarget(t *testing.T) {
	src := &steppedSource{frames: make(chan *media.VideoFrame), closed: make(chan struct{})}
	full, small := &sampleCount{}, &sampleCount{}
	s := StartSender(src, full, SenderConfig{BitrateKbps: 1500, FPS: 30, StartSmall: true,
		Layers: []Layer{{Scale: 4, BitrateKbps: 150, Out: small}}})
	defer s.Stop()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	frame := 0
	send := func(n int) {
		for range n {
			f := media.NewI420(320, 180)
			f.Timestamp = start.Add(time.Duration(frame) * 33 * time.Millisecond)
			frame++
			src.frames <- f
		}
	}
	send(10)
	if full.n.Load() != 0 || small.n.Load() == 0 {
		t.Fatalf("before a target: %d full-size frames, %d small; want only small ones", full.n.Load(), small.n.Load())
	}
	s.SetTargetBitrate(300) // too little for the full size: it stays off
	send(10)
	if full.n.Load() != 0 {
		t.Fatalf("at 300 kbit/s the full size sent %d frames", full.n.Load())
	}
	s.SetTargetBitrate(2000) // a later change waits for settle
	send(2)
	if full.n.Load() != 0 {
		t.Fatal("a later target started the full size without the settle wait")
	}
}

// The first target starts the larger layers at once; a sender that never
// gets one starts them after startWait of capture time.
func TestStartSmallFirstTargetAndFallback(t *testing.T) {
	for _, target := range []int{2000, 0} {
		src := &steppedSource{frames: make(chan *media.VideoFrame), closed: make(chan struct{})}
		full, small := &sampleCount{}, &sampleCount{}
		s := StartSender(src, full, SenderConfig{BitrateKbps: 1500, FPS: 30, StartSmall: true,
			Layers: []Layer{{Scale: 4, BitrateKbps: 150, Out: small}}})
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if target > 0 {
			s.SetTargetBitrate(target)
		}
		sentAt := -1
		for i := 0; i < 120 && sentAt < 0; i++ {
			f := media.NewI420(320, 180)
			f.Timestamp = start.Add(time.Duration(i) * 33 * time.Millisecond)
			src.frames <- f
			again := media.NewI420(320, 180) // when it is read, f is done
			again.Timestamp = f.Timestamp
			src.frames <- again
			if full.n.Load() > 0 {
				sentAt = i
			}
		}
		s.Stop()
		want := 0 // the first frame
		if target == 0 {
			want = int(startWait / (33 * time.Millisecond)) // 3 s in
		}
		if sentAt < want || sentAt > want+1 {
			t.Errorf("target %d: the full size started at frame %d; want %d", target, sentAt, want)
		}
	}
}

// sampleCount counts the samples written.
type sampleCount struct{ n atomic.Int64 }

func (c *sampleCount) WriteSample(media.Sample) error {
	c.n.Add(1)
	return nil
}
