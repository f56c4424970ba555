package xvfb

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"confer/media"
	"confer/media/synth"
)

// A picture put on the display by an ordinary X client (ImageMagick's
// display, at the top-left corner: there is no window manager) is read back
// from the framebuffer file, time strip and all.
func TestFramebufferShowsWhatIsOnTheDisplay(t *testing.T) {
	if _, err := exec.LookPath("display"); err != nil {
		t.Skip("no ImageMagick display program: run `make deps`")
	}
	d, err := StartWithFramebuffer(t.TempDir())
	if err != nil {
		t.Skip(err)
	}
	defer d.Stop()
	fb, err := d.Framebuffer()
	if err != nil {
		t.Fatal(err)
	}
	defer fb.Close()
	if fb.W != 1280 || fb.H != 800 {
		t.Fatalf("framebuffer %d×%d, want the display's 1280×800", fb.W, fb.H)
	}

	stamp := time.UnixMilli(time.Now().UnixMilli() - 1234)
	pgm := filepath.Join(t.TempDir(), "stamped.pgm")
	writeStampedPGM(t, pgm, 640, 360, stamp)
	show := exec.Command("display", "-geometry", "+0+0", pgm)
	show.Env = append(os.Environ(), "DISPLAY="+d.Name)
	if err := show.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = show.Process.Kill(); _ = show.Wait() }()

	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if at, ok := fb.ReadTime(0, 0, 640, 360, time.Now()); ok {
			if !at.Equal(stamp) {
				t.Fatalf("read %v from the screen, want %v", at, stamp)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the stamped picture never showed in the framebuffer")
}

// writeStampedPGM writes the luma of a grey w×h picture with t in its
// strip: the strip is black, white and grey, so luma is all it needs.
func writeStampedPGM(t *testing.T, path string, w, h int, at time.Time) {
	f := media.NewI420(w, h)
	for i := range f.Y {
		f.Y[i] = 128
	}
	synth.StampTime(f, at)
	out := fmt.Appendf(nil, "P5\n%d %d\n255\n", w, h)
	for y := range h {
		out = append(out, f.Y[y*f.YStride:y*f.YStride+w]...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}
