package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"confer/app"
)

// A meeting of 21 in a window: one page of tiles shows, the others are
// hidden with their video unsubscribed (size 0), pages turn, and someone
// who starts speaking on a later page moves onto the first.
func TestABigMeetingShowsAPageOfTilesAtATime(t *testing.T) {
	a := test.NewTempApp(t)
	sizes := map[string][2]int{}
	v := newCallView("Grace", func(fn func()) { fn() }, callActions{
		sized: func(id string, src app.Source, w, h int) {
			if src == app.SourceCamera {
				sizes[id] = [2]int{w, h}
			}
		},
	})
	w := a.NewWindow("Confer")
	w.SetContent(v.root)
	w.Resize(fyne.NewSize(1280, 800))
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%02d", i)
		v.addUser(ids[i], "Person "+ids[i], func(fn func()) { fn() })
	}
	size := v.pageSize()
	pages := (len(ids) + 1 + size - 1) / size
	shown := func() (on []string) {
		for _, id := range v.order {
			if v.tiles[id].Visible() {
				on = append(on, id)
			}
		}
		return on
	}
	check := func(when string, wantOn []string) {
		t.Helper()
		on := shown()
		if fmt.Sprint(on) != fmt.Sprint(wantOn) {
			t.Fatalf("%s: shown %v, want %v", when, on, wantOn)
		}
		for _, id := range v.order {
			s, visible := sizes[id], v.tiles[id].Visible()
			if visible && (s[0] == 0 || s[1] == 0) || !visible && s != [2]int{} {
				t.Errorf("%s: %s shown %v, last size reported %v", when, id, visible, s)
			}
		}
	}
	if !v.pages.bar.Visible() || v.pages.label.Text != fmt.Sprintf("Page 1 of %d", pages) {
		t.Fatalf("page controls %v %q with %d tiles of %d a page", v.pages.bar.Visible(), v.pages.label.Text, len(ids)+1, size)
	}
	check("first page", ids[:size-1]) // the self tile is first
	test.Tap(v.pages.next)
	check("second page", ids[size-1:min(len(ids), 2*size-1)])
	if v.self.Visible() {
		t.Error("the self tile shows on the second page")
	}
	test.Tap(v.pages.prev)
	check("back to the first page", ids[:size-1])

	speaker := ids[len(ids)-1]
	v.setSpeaking(app.AudioLevels{Speaking: map[string]bool{speaker: true}})
	check("after "+speaker+" spoke", append([]string{speaker}, ids[:size-2]...))
}

// Speaker view: whoever spoke last is large, a strip of others beside,
// everyone else hidden; the large tile follows the next speaker.
func TestSpeakerViewShowsWhoSpokeLastLarge(t *testing.T) {
	a := test.NewTempApp(t)
	v := newCallView("Grace", func(fn func()) { fn() }, callActions{})
	w := a.NewWindow("Confer")
	w.SetContent(v.root)
	w.Resize(fyne.NewSize(1280, 800))
	for i := range 12 {
		v.addUser(fmt.Sprintf("p%02d", i), fmt.Sprintf("Person %d", i), func(fn func()) { fn() })
	}
	if !v.speakerBtn.Visible() {
		t.Fatal("no speaker view offered with 12 people")
	}
	test.Tap(v.speakerBtn)
	for _, id := range []string{"p07", "p03"} {
		v.setSpeaking(app.AudioLevels{Speaking: map[string]bool{id: true}})
		v.setSpeaking(app.AudioLevels{})
		if v.lead() != v.tiles[id] {
			t.Fatalf("after %s spoke the large tile is %v", id, v.lead())
		}
		shown := 0
		for _, o := range v.grid.Objects {
			if o.Visible() {
				shown++
			}
		}
		if shown != 1+stripTiles {
			t.Errorf("after %s spoke: %d tiles shown, want the speaker and a strip of %d", id, shown, stripTiles)
		}
	}
	test.Tap(v.speakerBtn)
	if v.lead() != nil {
		t.Error("back in the grid, something is still large")
	}
}
