package codec

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// rssKB is this process's resident memory.
func rssKB(t *testing.T) int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc")
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.Atoi(f[1])
			return kb
		}
	}
	t.Skip("no VmRSS")
	return 0
}

// realTimeLibvpx tells whether the linked libvpx is built as make builds
// it (scripts/libvpx.sh), keeping no whole frame's token list.
func realTimeLibvpx() bool {
	return strings.Contains(VPXBuildConfig(), "--enable-onthefly-bitpacking")
}

// TestEncoderMemory reports (and bounds) what a 720p encoder holds once it
// has coded a second of video: the biggest single part of a client's RSS
// (docs/BENCHMARKS.md). Built as Confer builds libvpx (make), it holds some
// 11 MB; a libvpx built for every use (go test alone, with the system's)
// keeps a whole frame's worst-case token list besides, some 33 MB.
func TestEncoderMemory(t *testing.T) {
	limit := 64.0
	if realTimeLibvpx() {
		limit = 16
	}
	frames := movingFrames(1280, 720, 8)
	before := rssKB(t)
	enc := newTestEncoder(t, VP8Config{Width: 1280, Height: 720, BitrateKbps: 1500})
	var out []byte
	for i := 0; i < 30; i++ {
		var err error
		if out, _, err = enc.Encode(frames[i%len(frames)], i == 0, out); err != nil {
			t.Fatal(err)
		}
	}
	grew := float64(rssKB(t)-before) / 1024
	t.Logf("a 1280×720 VP8 encoder holds %.1f MB (libvpx %s)", grew, VPXBuildConfig())
	if grew > limit {
		t.Errorf("a 720p encoder takes %.1f MB; want at most %.0f with this libvpx", grew, limit)
	}
}

// TestAClosedEncodersMemoryGoesBack re-creates a 720p encoder as a call
// does (a layer halved and resumed, a camera restarted) and checks that
// what it held is no longer resident once it is closed. With a libvpx
// built for every use it is: glibc raises its mmap threshold to the size
// of the first token list freed, and the next ones stay in its heap (31 MB
// after three encoders).
func TestAClosedEncodersMemoryGoesBack(t *testing.T) {
	if !realTimeLibvpx() {
		t.Skip("the system's libvpx keeps a closed encoder's token list resident; run through make, which builds Confer's")
	}
	frames := movingFrames(1280, 720, 8)
	cycle := func() {
		enc := newTestEncoder(t, VP8Config{Width: 1280, Height: 720, BitrateKbps: 1500})
		var out []byte
		var err error
		for i := range 10 {
			if out, _, err = enc.Encode(frames[i%len(frames)], i == 0, out); err != nil {
				t.Fatal(err)
			}
		}
		enc.Close()
	}
	cycle()
	before := rssKB(t)
	for range 3 {
		cycle()
	}
	if kept := float64(rssKB(t)-before) / 1024; kept > 4 {
		t.Errorf("three encoders opened and closed left %.1f MB resident", kept)
	}
}
