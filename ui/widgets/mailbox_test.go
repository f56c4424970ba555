package widgets

import (
	"sync"
	"testing"

	"confer/media"
)

// Two decoders writing to one tile at once (a track ending while its
// replacement starts) convert one after the other; the UI gets a whole
// picture. Run with -race.
func TestMailboxTakesFramesFromTwoDecodersAtOnce(t *testing.T) {
	var m frameMailbox
	m.setTarget(64, 36)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				m.put(media.NewI420(128, 72))
			}
		}()
	}
	wg.Wait()
	pic := m.take()
	if pic == nil || pic.Rect.Dx() != 64 || pic.Rect.Dy() != 36 {
		t.Fatalf("the picture after two decoders: %v", pic)
	}
	if n := m.frames.Load(); n != 100 {
		t.Errorf("counted %d frames, want 100", n)
	}
}
