package bot

import (
	"testing"

	"confer/media"
)

func frame(w, h int) *media.VideoFrame {
	cw, ch := (w+1)/2, (h+1)/2
	return &media.VideoFrame{Width: w, Height: h, Y: make([]byte, w*h), U: make([]byte, cw*ch), V: make([]byte, cw*ch),
		YStride: w, UStride: cw, VStride: cw}
}

// The server's 8×8 blank frames as a track closes are not pictures: the
// wait before them is the sender leaving, not a freeze.
func TestBlankFramesAreNotPictures(t *testing.T) {
	r := &remote{}
	r.WriteFrame(frame(320, 240))
	r.mu.Lock()
	r.last = r.last.Add(-2 * freezeGap) // that picture came a while ago
	r.mu.Unlock()
	r.WriteFrame(frame(8, 8))
	r.mu.Lock()
	frames, freezes := r.frames, len(r.freezes)
	r.mu.Unlock()
	if frames != 1 || freezes != 0 {
		t.Errorf("after a picture and a blank frame: %d frames, %d freezes; want 1 and 0", frames, freezes)
	}
	r.WriteFrame(frame(320, 240))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frames != 2 || len(r.freezes) != 1 {
		t.Errorf("a picture after the gap: %d frames, %d freezes; want 2 and 1", r.frames, len(r.freezes))
	}
}
