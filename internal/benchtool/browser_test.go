package main

import (
	"strings"
	"testing"
)

func TestPageFramesChecksEveryVideo(t *testing.T) {
	start := map[string]videoCounts{
		"a": {Presented: 10, Decoded: 12}, "b": {Presented: 10, Decoded: 12}, "c": {},
	}
	good := func() map[string]videoCounts {
		return map[string]videoCounts{
			"a": {Presented: 610, Decoded: 912, Width: 1280, Height: 720},
			"b": {Presented: 760, Decoded: 912, Width: 1280, Height: 720},
			"c": {Presented: 600, Decoded: 900, Width: 1280, Height: 720},
		}
	}
	var f compareFigures
	if err := pageFrames(start, good(), &f); err != nil {
		t.Fatal(err)
	}
	if f.decodedFPS != 30 || f.shownFPS != 20 {
		t.Fatalf("slowest: %.1f decoded, %.1f shown; want 30 and 20", f.decodedFPS, f.shownFPS)
	}
	for name, spoil := range map[string]func(map[string]videoCounts){
		"nothing shown": func(m map[string]videoCounts) { m["b"] = videoCounts{Presented: 10, Decoded: 912, Width: 1280} },
		"a video short": func(m map[string]videoCounts) { delete(m, "c") },
		"a lower layer": func(m map[string]videoCounts) { m["a"] = videoCounts{Presented: 610, Decoded: 912, Width: 320} },
	} {
		end := good()
		spoil(end)
		if err := pageFrames(start, end, &compareFigures{}); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "video") {
			t.Errorf("%s: unclear error %q", name, err)
		}
	}
}
