//go:build linux && !wayland

package xvideo

import (
	"bytes"
	"image/color"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"confer/internal/xvfb"
	"confer/media"
	"confer/media/synth"
)

// screen is a virtual display with an ordinary X client's window on it to
// put surfaces in: xev's, at the top-left corner (there is no window
// manager), which prints the clicks it gets.
type screen struct {
	fb     *xvfb.Framebuffer
	env    []string
	parent uintptr
	px, py int // the parent's top-left corner on the screen
	xev    *exec.Cmd
	events *syncBuffer // what xev printed
}

// syncBuffer is a bytes.Buffer that xev's output goroutine writes while
// the test reads it; wrote is signalled on every write.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{wrote: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.wrote <- struct{}{}:
	default:
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitText waits until what was written holds text, for up to 5 s.
func (b *syncBuffer) waitText(t *testing.T, text string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for !strings.Contains(b.String(), text) {
		select {
		case <-b.wrote:
		case <-timeout:
			t.Fatalf("%q never came:\n%s", text, b.String())
		}
	}
}

func startScreen(t *testing.T) *screen {
	for _, tool := range []string{"xev", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: run `make deps`", tool)
		}
	}
	d, err := xvfb.StartWithFramebuffer(t.TempDir())
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(d.Stop)
	fb, err := d.Framebuffer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fb.Close() })
	s := &screen{fb: fb, env: append(os.Environ(), "DISPLAY="+d.Name)}
	t.Setenv("DISPLAY", d.Name)
	s.events = newSyncBuffer()
	s.xev = exec.Command("xev", "-geometry", "400x300+0+0", "-event", "button")
	s.xev.Env, s.xev.Stdout = s.env, s.events
	if err := s.xev.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.xev.Process.Kill(); _ = s.xev.Wait() })
	// --onlyvisible: xev names its window before it maps it, and a surface
	// drawn into an unmapped parent is cleared when the parent shows.
	id := strings.Fields(s.xdotool(t, "search", "--sync", "--onlyvisible", "--name", "^Event Tester$"))[0]
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	s.parent = uintptr(n)
	geo := s.shellVars(t, "getwindowgeometry", "--shell", id)
	s.px, _ = strconv.Atoi(geo["X"])
	s.py, _ = strconv.Atoi(geo["Y"])
	return s
}

func (s *screen) xdotool(t *testing.T, args ...string) string {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = s.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xdotool %v: %v", args, err)
	}
	return string(out)
}

// shellVars runs an xdotool command with --shell output: KEY=value lines.
func (s *screen) shellVars(t *testing.T, args ...string) map[string]string {
	vars := map[string]string{}
	for _, line := range strings.Fields(s.xdotool(t, args...)) {
		if k, v, ok := strings.Cut(line, "="); ok {
			vars[k] = v
		}
	}
	return vars
}

// rgb is the colour of the screen's pixel at (x, y).
func (s *screen) rgb(x, y int) (r, g, b byte) {
	p := s.fb.Pix[y*s.fb.Stride+4*x+s.fb.Green-1:]
	return p[2], p[1], p[0]
}

// redFrame is a w×h picture of pure red (BT.601: Y 81, U 90, V 240) with
// the synthetic camera's time strip stamped on it.
func redFrame(w, h int, at time.Time) *media.VideoFrame {
	f := media.NewI420(w, h)
	for i := range f.Y {
		f.Y[i] = 81
	}
	for i := range f.U {
		f.U[i], f.V[i] = 90, 240
	}
	synth.StampTime(f, at)
	return f
}

// waitFor polls the screen until ok holds, for up to 5 s. The X server
// draws as it reads the requests, and nothing tells when the screen
// changed: reading it is what a person looking at it does.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not on the screen after 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openSurface connects to the screen for its parent window and makes one
// surface there; the connection closes with the test.
func openSurface(t *testing.T, s *screen, background color.Color) (*Conn, *Surface) {
	t.Helper()
	conn, err := Open(s.parent)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	surf, err := conn.NewSurface(background)
	if err != nil {
		t.Fatal(err)
	}
	return conn, surf
}

// A picture put on a surface shows where the surface was placed, scaled to
// fit with its aspect kept and the rest in the background colour; clicks
// go through to the window under it; hidden, it leaves what was under it.
func TestASurfaceShowsItsPictureWhereItWasPlaced(t *testing.T) {
	s := startScreen(t)
	_, surf := openSurface(t, s, color.NRGBA{B: 0xff, A: 0xff})
	// A 16:9 picture in a 4:3 surface: 320×180, 30 px of background above
	// and below it.
	surf.Place(20, 30, 320, 240)
	stamp := time.UnixMilli(time.Now().UnixMilli() - 1234)
	if !surf.Put(redFrame(640, 360, stamp), false) {
		t.Fatal("Put showed nothing on a placed surface")
	}
	x0, y0 := s.px+20, s.py+30+30
	// The server writes the picture top to bottom while the test reads the
	// screen: the stamp at the top can be there before the last rows are.
	waitFor(t, "the stamped picture", func() bool {
		at, ok := s.fb.ReadTime(x0, y0, 320, 180, time.Now())
		return ok && at.Equal(stamp)
	})
	waitFor(t, "the picture's red at its bottom", func() bool {
		r, g, b := s.rgb(x0+200, y0+150)
		return r >= 0xe0 && g <= 0x20 && b <= 0x20
	})
	if r, g, b := s.rgb(x0+200, s.py+30+10); r != 0 || g != 0 || b != 0xff {
		t.Errorf("letterbox pixel is %02x%02x%02x, want the background 0000ff", r, g, b)
	}

	// The click reaches the parent as a click on the parent itself (no
	// subwindow under the pointer), as the app expects of its own window.
	s.xdotool(t, "mousemove", strconv.Itoa(x0+100), strconv.Itoa(y0+100), "click", "1")
	s.events.waitText(t, "ButtonRelease")
	if ev := s.events.String(); !strings.Contains(ev, "subw 0x0,") {
		t.Errorf("the click went to a subwindow (the surface is %#x):\n%s", surf.Window(), ev)
	}

	surf.Hide()
	waitFor(t, "xev's white window under the surface", func() bool {
		r, g, b := s.rgb(x0+200, y0+150)
		return r == 0xff && g == 0xff && b == 0xff
	})
	if surf.Put(redFrame(640, 360, stamp), false) {
		t.Error("Put showed a picture on a hidden surface")
	}
	surf.Close()
	surf.Close()
	if surf.Put(redFrame(640, 360, stamp), false) {
		t.Error("Put showed a picture on a closed surface")
	}
}

// A surface that shrinks (a tile, as people join) gives back the shared
// memory its larger pictures took; one that grows a little keeps it.
func TestASurfaceHoldsSharedMemoryForItsSize(t *testing.T) {
	s := startScreen(t)
	_, surf := openSurface(t, s, color.NRGBA{A: 0xff})
	f := redFrame(1280, 720, time.Now())
	for _, step := range []struct{ w, h, want int }{
		{640, 360, 2 * 640 * 360 * 4},
		{320, 180, 2 * 320 * 180 * 4},
		{384, 216, 2 * 384 * 216 * 4},
		{352, 198, 2 * 384 * 216 * 4}, // not under half: kept
	} {
		surf.Place(0, 0, step.w, step.h)
		for range 2 { // both buffers
			if !surf.Put(f, false) {
				t.Fatalf("%d×%d: Put showed nothing", step.w, step.h)
			}
		}
		if got := surf.segmentBytes(); got != step.want {
			t.Errorf("placed at %d×%d: %d bytes of shared memory, want %d", step.w, step.h, got, step.want)
		}
	}
}

// When the app's window goes away under a surface (the window closed
// before the call did), putting pictures neither panics nor hangs nor ends
// the process: the X server's errors are read and dropped.
func TestASurfaceOutlivesItsParentWindow(t *testing.T) {
	s := startScreen(t)
	conn, surf := openSurface(t, s, color.Black)
	surf.Place(0, 0, 160, 90)
	_ = s.xev.Process.Kill()
	_ = s.xev.Wait()
	for range 20 {
		surf.Put(redFrame(320, 180, time.Now()), true)
	}
	surf.Place(10, 10, 80, 60)
	surf.Close()
	if _, err := conn.NewSurface(color.Black); err == nil {
		t.Error("NewSurface made a window in a parent that is gone")
	}
}

func TestOpenWithoutADisplayIsUnsupported(t *testing.T) {
	t.Setenv("DISPLAY", ":9999")
	if _, err := Open(1); err == nil {
		t.Fatal("Open succeeded without a display")
	}
}
