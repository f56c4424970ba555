package video

import (
	"io"
	"sync"
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

// A layer that the target stops tells its writer, once, before its next
// frame would have gone: the server can move its receivers at once.
func TestAStoppedLayerTellsItsWriter(t *testing.T) {
	src := &steppedSource{frames: make(chan *media.VideoFrame), closed: make(chan struct{})}
	full := &stopLog{}
	small := &keyframeLog{written: make(chan bool)}
	s := StartSender(src, full, SenderConfig{BitrateKbps: 1000, FPS: 30,
		Layers: []Layer{{Scale: 2, BitrateKbps: 150, Out: small}}})
	defer s.Stop()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	send := func(i int) {
		f := media.NewI420(64, 48)
		f.Timestamp = start.Add(time.Duration(i) * 33 * time.Millisecond)
		src.frames <- f
		<-small.written // the small layer is written after the full one
	}
	send(0)
	if w, stops := full.counts(); w != 1 || stops != 0 {
		t.Fatalf("as configured: %d frames and %d stops of the full layer, want 1 and 0", w, stops)
	}
	s.SetTargetBitrate(200) // 50 kbit/s left for a 1000 kbit/s layer
	for i := 1; i < 5; i++ {
		send(i)
	}
	if w, stops := full.counts(); w != 1 || stops != 1 {
		t.Fatalf("stopped: %d frames and %d stops of the full layer, want 1 and 1", w, stops)
	}
}

// stopLog counts the frames written to it and the times it was told the
// layer stopped.
type stopLog struct {
	mu            sync.Mutex
	writes, stops int
}

func (l *stopLog) WriteSample(media.Sample) error {
	l.mu.Lock()
	l.writes++
	l.mu.Unlock()
	return nil
}

func (l *stopLog) StopLayer() {
	l.mu.Lock()
	l.stops++
	l.mu.Unlock()
}

func (l *stopLog) counts() (writes, stops int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes, l.stops
}
