package cli

import (
	"flag"
	"fmt"
	"io"
	"math"
	"testing"
	"time"

	"confer/media"
	"confer/media/synth"
)

// FuzzRoomEcho parses --room-echo values. One it accepts is a delay of at
// most 900 ms and a gain that is a finite, non-negative number no louder
// than +20 dB; written back as DELAY,GAINdB it parses to the same.
func FuzzRoomEcho(f *testing.F) {
	for _, s := range []string{"80ms,-3dB", "0s,0dB", "900ms,20dB", "1s,0dB", "80ms", "-1ms,-3dB", "80ms,NaNdB", "80ms,-InfdB", " 5ms , -120 dB", "1h1h,1e400dB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parseRoomEcho(s)
		if err != nil || e == nil {
			return
		}
		if e.Delay < 0 || e.Delay > 900*time.Millisecond || math.IsNaN(e.Gain) || math.IsInf(e.Gain, 0) || e.Gain < 0 || e.Gain > 10.0000001 {
			t.Fatalf("%q gives delay %v, gain %v", s, e.Delay, e.Gain)
		}
		again := fmt.Sprintf("%s,%gdB", e.Delay, 20*math.Log10(e.Gain))
		e2, err := parseRoomEcho(again)
		if err != nil || e2.Delay != e.Delay || math.Abs(e2.Gain-e.Gain) > 1e-9*e.Gain {
			t.Fatalf("%q gives %+v; written back as %q it gives %+v, %v", s, e, again, e2, err)
		}
	})
}

// FuzzBotTile parses --tile. A size it accepts has sides of 1 to maxTile
// pixels and, written back as WxH, parses to the same.
func FuzzBotTile(f *testing.F) {
	for _, s := range []string{"556x313", "1x1", "0x10", "-5x5", "16385x1", "12x", "x12", "556x313x2", " 556x313", "9999999999999999999x1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseTile(s)
		if err != nil || s == "" {
			return
		}
		if p.X < 1 || p.Y < 1 || p.X > maxTile || p.Y > maxTile {
			t.Fatalf("%q gives %v", s, p)
		}
		if again, err := parseTile(fmt.Sprintf("%dx%d", p.X, p.Y)); err != nil || again != p {
			t.Fatalf("%q gives %v; written back it gives %v, %v", s, p, again, err)
		}
	})
}

// FuzzBotVideoFlags parses the bot's --width, --height, --fps and
// --bitrate. A profile it accepts is within the documented bounds, and
// the synthetic camera can draw it (checked for the smaller sizes, to keep
// each input cheap).
func FuzzBotVideoFlags(f *testing.F) {
	f.Add("640", "480", "30", "800")
	f.Add("160", "120", "15", "150")
	f.Add("0", "-1", "2000000000", "0")
	f.Add("99999", "0x10", "1e3", "")
	f.Add("17", "9", "1", "30")
	f.Fuzz(func(t *testing.T, w, h, fps, kbps string) {
		fs := flag.NewFlagSet("bot", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		profile := videoFlags(fs)
		if fs.Parse([]string{"--width", w, "--height", h, "--fps", fps, "--bitrate", kbps}) != nil {
			return
		}
		p, err := profile()
		if err != nil {
			return
		}
		b := videoBounds
		if p.Width < b.width[0] || p.Width > b.width[1] || p.Height < b.height[0] || p.Height > b.height[1] ||
			p.FPS < b.fps[0] || p.FPS > b.fps[1] || p.BitrateKbps < b.kbps[0] || p.BitrateKbps > b.kbps[1] {
			t.Fatalf("accepted %+v", p)
		}
		if time.Second/time.Duration(p.FPS) <= 0 {
			t.Fatalf("%d fps: no frame interval", p.FPS)
		}
		if p.Width*p.Height <= 640*480 {
			synth.NewPattern(p.Width, p.Height).Draw(media.NewI420(p.Width, p.Height), 7)
		}
	})
}
