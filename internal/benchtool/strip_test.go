package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"confer/media"
	"confer/media/synth"
)

// The page's port of Confer's time strip (scripts/browser-bench/strip.js)
// must agree with media/synth bit for bit: a bot reads what the page
// stamps, and the page reads what a bot's camera stamps. Node runs the
// script with a stand-in for the canvas; the pictures cross as RGB, as they
// do in the browser.

// stripJS runs strip.js in node, then evaluates code (read from stdin,
// pictures being large) and decodes its value.
func stripJS(t *testing.T, code string, out any) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("skipped: node is not installed")
	}
	script := `const fs = require("fs"), vm = require("vm");
const ctx = { BigInt, Math, Number };
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const res = vm.runInNewContext(fs.readFileSync(0, "utf8"), ctx);
process.stdout.write(JSON.stringify(res));`
	path, _ := filepath.Abs(filepath.Join("..", "..", browserDir, "strip.js"))
	cmd := exec.Command("node", "-e", script, path)
	cmd.Stdin = strings.NewReader(code)
	data, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}

// canvasJS stamps time ms on a w×h stand-in canvas and returns its RGBA.
const canvasJS = `(function (w, h, ms) {
  const px = new Array(w * h * 4).fill(90); // the picture under the band
  const ctx = {
    fillStyle: "",
    fillRect(x0, y0, rw, rh) {
      const s = this.fillStyle;
      const v = s === "#fff" ? [255, 255, 255] : s === "#000" ? [0, 0, 0] : s.match(/\d+/g).map(Number);
      for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) {
        px.splice((y * w + x) * 4, 3, ...v);
      }
    },
  };
  stampStrip(ctx, w, h, ms);
  return px;
})`

func TestPageStampsTheStripConferReads(t *testing.T) {
	at := time.UnixMilli(1_796_014_990_882)
	for _, size := range [][2]int{{1280, 720}, {640, 360}, {330, 200}} {
		w, h := size[0], size[1]
		var rgba []int
		stripJS(t, canvasJS+`(`+itoa(w)+`, `+itoa(h)+`, `+itoa(int(at.UnixMilli()))+`)`, &rgba)
		f := rgbaToI420(rgba, w, h)
		got, ok := synth.ReadTimeNear(f, at.Add(time.Hour))
		if !ok || !got.Equal(at) {
			t.Errorf("%d×%d: Confer reads %v (ok %v) from the page's strip; want %v", w, h, got, ok, at)
		}
	}
}

func TestPageReadsTheStripConferStamps(t *testing.T) {
	at := time.UnixMilli(1_796_014_990_882)
	for _, size := range [][2]int{{1280, 720}, {320, 180}, {330, 200}} {
		w, h := size[0], size[1]
		f := media.NewI420(w, h)
		synth.NewPattern(w, h).Draw(f, 7)
		synth.StampTime(f, at)
		band := bandRGBA(f)
		var got float64
		stripJS(t, `readStripTime(`+jsonOf(band)+`, `+itoa(w)+`, `+itoa(h)+`, `+itoa(int(at.UnixMilli())+3_600_000)+`)`, &got)
		if int64(got) != at.UnixMilli() {
			t.Errorf("%d×%d: the page reads %v; want %d", w, h, got, at.UnixMilli())
		}
	}
	// Colour bars without a strip are no time.
	f := media.NewI420(640, 360)
	synth.NewPattern(640, 360).Draw(f, 0)
	var got any
	stripJS(t, `readStripTime(`+jsonOf(bandRGBA(f))+`, 640, 360, Date.now())`, &got)
	if got != nil {
		t.Errorf("a picture without a strip reads as %v", got)
	}
}

func TestPageCRCIsConfers(t *testing.T) {
	// synth's CRC is unexported; a stamped frame carries it in its last 8 blocks.
	for _, ms := range []int64{0, 1, 0xdeadbeef, 0xffffffff, 1_796_014_990_882 % (1 << 32)} {
		f := media.NewI420(400, 240)
		synth.StampTime(f, time.UnixMilli(ms))
		var want int
		for i := 0; i < 8; i++ {
			want <<= 1
			if f.Y[(32+i)*10+5] > 126 {
				want |= 1
			}
		}
		var got int
		stripJS(t, `crc8(`+itoa(int(ms))+`)`, &got)
		if got != want {
			t.Errorf("crc8(%#x): page %#x, Confer %#x", ms, got, want)
		}
	}
}

// rgbaToI420 turns RGBA into a limited-range BT.601 I420 frame, as a
// browser's encoder does.
func rgbaToI420(rgba []int, w, h int) *media.VideoFrame {
	f := media.NewI420(w, h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := (y*w + x) * 4
			r, g, b := float64(rgba[p]), float64(rgba[p+1]), float64(rgba[p+2])
			f.Y[y*f.YStride+x] = byte(16 + (65.738*r+129.057*g+25.064*b)/256 + 0.5)
		}
	}
	for i := range f.U {
		f.U[i], f.V[i] = 128, 128 // the band is grey: chroma does not matter
	}
	return f
}

// bandRGBA is the top band of f as RGBA, converted as a browser shows a
// decoded frame (limited-range BT.601 to RGB).
func bandRGBA(f *media.VideoFrame) []int {
	rows := synth.StripRows(f.Height)
	out := make([]int, 0, f.Width*rows*4)
	clamp := func(v float64) int { return int(min(255, max(0, v+0.5))) }
	for y := 0; y < rows; y++ {
		for x := 0; x < f.Width; x++ {
			yy := 1.164 * (float64(f.Y[y*f.YStride+x]) - 16)
			u := float64(f.U[(y/2)*f.UStride+x/2]) - 128
			v := float64(f.V[(y/2)*f.VStride+x/2]) - 128
			out = append(out, clamp(yy+1.596*v), clamp(yy-0.392*u-0.813*v), clamp(yy+2.017*u), 255)
		}
	}
	return out
}

func itoa(v int) string { return strings.TrimSpace(jsonOf(v)) }

func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}
