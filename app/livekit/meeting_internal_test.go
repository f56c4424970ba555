package livekit

import (
	"slices"
	"testing"
	"unicode/utf8"

	"confer/app"
)

func TestGainClipsInsteadOfWrapping(t *testing.T) {
	in := []int16{0, 1000, -1000, 20000, -20000, 32767, -32768}
	if got, want := applyGain(nil, in, 2), []int16{0, 2000, -2000, 32767, -32768, 32767, -32768}; !slices.Equal(got, want) {
		t.Errorf("×2: %v, want %v", got, want)
	}
	if got, want := applyGain(nil, in, 0.5), []int16{0, 500, -500, 10000, -10000, 16384, -16384}; !slices.Equal(got, want) {
		t.Errorf("×0.5: %v, want %v", got, want)
	}
}

func TestTextChunksNeverSplitACharacter(t *testing.T) {
	text := "aé🎉世界"
	for max := 1; max <= len(text); max++ {
		chunks := textChunks(text, max+3)
		joined := ""
		for _, c := range chunks {
			if !utf8.ValidString(c) || len(c) > max+3 {
				t.Fatalf("max %d: chunk %q", max+3, c)
			}
			joined += c
		}
		if joined != text {
			t.Fatalf("max %d: %q", max+3, joined)
		}
	}
}

func TestChatOrderHoldsALaterMessageForAnEarlierOne(t *testing.T) {
	var o chatOrder
	long := o.begin("ana", 1000)
	short := o.begin("ana", 1001)
	other := o.begin("bo", 1002)
	if got := o.done("ana", short, app.ChatArrived{Text: "short"}); len(got) != 0 {
		t.Fatalf("the later message went first: %v", got)
	}
	if got := o.done("bo", other, app.ChatArrived{Text: "bo"}); len(got) != 1 {
		t.Fatalf("another sender waited: %v", got)
	}
	got := o.done("ana", long, app.ChatArrived{Text: "long"})
	if len(got) != 2 || got[0].Text != "long" || got[1].Text != "short" {
		t.Fatalf("order %v", got)
	}
	// A stream that never finishes holds the next only for a while.
	stuck := o.begin("ana", 2000)
	stuck.began = stuck.began.Add(-abandonAfter)
	next := o.begin("ana", 2001)
	if got := o.done("ana", next, app.ChatArrived{Text: "next"}); len(got) != 1 || len(o.pending) != 0 {
		t.Fatalf("after an abandoned stream: %v, pending %v", got, o.pending)
	}
}
