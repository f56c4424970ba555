package main

import (
	"fmt"
	"strings"
)

func (w windowFigures) markdown() string {
	var b strings.Builder
	b.WriteString("## The window: decode, convert and paint\n\n")
	if w.err != "" {
		fmt.Fprintf(&b, "Not measured in this run: %s.\n\n", w.err)
		return b.String()
	}
	b.WriteString("The real window (`bin/confer --camera off --microphone off`, 1024×700) joins on a virtual X display ")
	fmt.Fprintf(&b, "(Xvfb) and is measured for %d s: first with nobody sending, then showing one, then three ", windowSeconds)
	b.WriteString("bots' 1280×720 cameras at 30 fps. Without a GPU, Fyne paints with Mesa's llvmpipe, whose threads are ")
	b.WriteString("counted apart. CPU is % of one core for the whole window process.\n\n")
	b.WriteString("| what | window CPU | of it, painting | tiles | target |\n|---|---|---|---|---|\n")
	row := func(what string, r windowRun, target string) {
		tiles := "—"
		if r.tileW > 0 {
			tiles = fmt.Sprintf("%d×%d px, %.1f fps", r.tileW, r.tileH, r.shownFPS)
		}
		fmt.Fprintf(&b, "| %s | %.1f %% | %.1f %% | %s | %s |\n", what, r.cpu, r.paintCPU, tiles, target)
	}
	row("in a call, no video", w.rest, "—")
	row("showing one received 720p30 stream", w.one, "—")
	row("showing three", w.three, "—")
	one := w.one.cpu - w.rest.cpu
	per3 := (w.three.cpu - w.rest.cpu) / 3
	fmt.Fprintf(&b, "| **added by one stream** (decode + convert + paint) | %.1f %% | %.1f %% | | ≤ 7 %% |\n", one, w.one.paintCPU-w.rest.paintCPU)
	fmt.Fprintf(&b, "| **added per stream, three shown** | %.1f %% | %.1f %% | | ≤ 7 %% |\n\n", per3, (w.three.paintCPU-w.rest.paintCPU)/3)
	b.WriteString("Tiles wider than 400 pixels get the full 1280×720 layer, so each stream here is a full-size decode. ")
	b.WriteString("Painting is most of the cost: each repaint of the window in software takes llvmpipe some 10–15 ms of a core. ")
	b.WriteString("Confer paces repaints (`widgets.Painter`: at most one per 25 ms for all tiles together), so three videos ")
	b.WriteString("cost about what one does to paint and the rest is their decodes. With a GPU the painting share ")
	b.WriteString("goes to nearly nothing and the figure is the decode and conversion, about the bots' receive figure above ")
	b.WriteString("plus 0.1–0.2 ms a frame for libyuv.\n\n")
	return b.String()
}
