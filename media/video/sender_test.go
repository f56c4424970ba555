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
	full := &stopLog{wrote: make(chan struct{}, 1)}
	small := &keyframeLog{written: make(chan bool)}
	s := StartSender(src, full, SenderConfig{BitrateKbps: 1000, FPS: 30,
		Layers: []Layer{{Scale: 2, BitrateKbps: 150, Out: small}}})
	defer s.Stop()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	send := func(i int) {
		f := media.NewI420(64, 48)
		f.Timestamp = start.Add(time.Duration(i) * 33 * time.Millisecond)
		src.frames <- f
		<-small.written // the small layer is written first
	}
	send(0)
	<-full.wrote
	if w, stops := full.counts(); w != 1 || stops != 0 {
		t.Fatalf("as configured: %d frames and %d stops of the full layer, want 1 and 0", w, stops)
	}
	s.SetTargetBitrate(200) // 50 kbit/s left for a 1000 kbit/s layer
	// Frame i's full layer, had it been written, was before frame i+1's
	// small one: the last frame sent only makes the counts final.
	for i := 1; i < 6; i++ {
		send(i)
	}
	if w, stops := full.counts(); w != 1 || stops != 1 {
		t.Fatalf("stopped: %d frames and %d stops of the full layer, want 1 and 1", w, stops)
	}
}

// A layer that no receiver takes is not encoded, and its first frame
// when one does again is a keyframe: the receivers come from another layer.
func TestAPausedLayerIsNotEncodedAndResumesWithAKeyframe(t *testing.T) {
	src := &steppedSource{frames: make(chan *media.VideoFrame), closed: make(chan struct{})}
	full := &pausableLog{answers: make(chan bool), written: make(chan bool, 10)}
	small := &keyframeLog{written: make(chan bool)}
	s := StartSender(src, full, SenderConfig{BitrateKbps: 1000, FPS: 30,
		Layers: []Layer{{Scale: 2, BitrateKbps: 150, Out: small}}})
	defer s.Stop()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// frame sends frame i, answers the full layer's question, and tells
	// whether its frame was a keyframe (false when paused).
	frame := func(i int, paused bool) bool {
		f := media.NewI420(64, 48)
		f.Timestamp = start.Add(time.Duration(i) * 33 * time.Millisecond)
		src.frames <- f
		<-small.written // the small layer goes first
		full.answers <- paused
		if paused {
			return false
		}
		return <-full.written
	}
	if !frame(0, false) {
		t.Fatal("the first frame is not a keyframe")
	}
	if frame(1, false) {
		t.Fatal("frame 1 is a keyframe unasked")
	}
	frame(2, true)
	frame(3, true)
	// Had frame 2 or 3 been written, it would come before frame 4's.
	if !frame(4, false) {
		t.Fatal("the first frame after the pause is not a keyframe, or a paused frame was written")
	}
	if frame(5, false) {
		t.Fatal("frame 5 is a keyframe unasked")
	}
	if n := len(full.written); n != 0 {
		t.Fatalf("%d frames more than asked for were written", n)
	}
}

// pausableLog is a layer's writer whose Paused answers come from the test
// and which tells, for every frame written, whether it was a keyframe.
type pausableLog struct {
	answers chan bool
	written chan bool
}

func (l *pausableLog) Paused() bool { return <-l.answers }

func (l *pausableLog) WriteSample(s media.Sample) error {
	l.written <- len(s.Data) > 0 && s.Data[0]&1 == 0
	return nil
}

// stopLog counts the frames written to it and the times it was told the
// layer stopped.
type stopLog struct {
	mu            sync.Mutex
	writes, stops int
	wrote         chan struct{} // poked at every write, when set
}

func (l *stopLog) WriteSample(media.Sample) error {
	l.mu.Lock()
	l.writes++
	l.mu.Unlock()
	if l.wrote != nil {
		select {
		case l.wrote <- struct{}{}:
		default:
		}
	}
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

// The layers of a frame are written smallest first: a small layer does
// not wait for the full layer's encode.
func TestTheSmallestLayerLeavesFirst(t *testing.T) {
	src := &steppedSource{frames: make(chan *media.VideoFrame), closed: make(chan struct{})}
	order := &orderLog{added: make(chan struct{}, 16)}
	s := StartSender(src, order.layer("full"), SenderConfig{BitrateKbps: 1500, FPS: 30, Layers: []Layer{
		{Scale: 2, BitrateKbps: 500, Out: order.layer("half")},
		{Scale: 4, BitrateKbps: 150, Out: order.layer("quarter")},
	}})
	defer s.Stop()
	f := media.NewI420(320, 240)
	f.Timestamp = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src.frames <- f
	got := order.wait(3)
	if got[0] != "quarter" || got[1] != "half" || got[2] != "full" {
		t.Fatalf("layers written in the order %v, want quarter, half, full", got)
	}
}

// orderLog records which layer's writer was written, in order.
type orderLog struct {
	mu    sync.Mutex
	names []string
	added chan struct{} // a token per write
}

func (o *orderLog) layer(name string) media.SampleWriter { return orderWriter{o, name} }

// wait returns the first n names written.
func (o *orderLog) wait(n int) []string {
	for range n {
		<-o.added
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.names[:n]...)
}

type orderWriter struct {
	log  *orderLog
	name string
}

func (w orderWriter) WriteSample(media.Sample) error {
	w.log.mu.Lock()
	w.log.names = append(w.log.names, w.name)
	w.log.mu.Unlock()
	w.log.added <- struct{}{}
	return nil
}
