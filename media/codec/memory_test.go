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
