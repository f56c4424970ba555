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

// TestEncoderMemory reports (and bounds) what a 720p encoder holds once it
// has coded a second of video: the biggest single part of a client's RSS
// (docs/BENCHMARKS.md).
func TestEncoderMemory(t *testing.T) {
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
	t.Logf("a 1280×720 VP8 encoder holds %.1f MB", grew)
	if grew > 64 {
		t.Errorf("a 720p encoder takes %.1f MB", grew)
	}
}
