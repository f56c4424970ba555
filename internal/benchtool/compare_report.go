package main

import (
	"fmt"
	"strings"
)

// Targets of the browser comparison: Confer's share of the browser's.
const (
	cpuRatioTarget = 0.5
	memRatioTarget = 0.3
)

func (c compareFigures) markdown() string {
	var b strings.Builder
	b.WriteString("## Confer beside a browser\n\n")
	if c.err != "" {
		fmt.Fprintf(&b, "Not measured in this run: %s.\n\n", c.err)
		return b.String()
	}
	fmt.Fprintf(&b, "Three bots publish the synthetic 1280×720 camera at 30 fps and the tone microphone. "+
		"In the same run, one after the other, a receive-only Confer bot and a headless %s tab running %s "+
		"(`%s/`, Playwright driving Debian's chromium) receive all three, each measured over %.0f s "+
		"from %.0f s after its pictures came. CPU is utime+stime over the window, in %% of one core, of the bot "+
		"or of every process of the browser: those under Playwright's Node driver (which is left out) and Chromium's "+
		"crash handlers, found in /proc by their arguments. "+
		"Memory is read at the end of the window. The browser's is PSS (smaps_rollup) "+
		"summed over its processes, which counts each page they share once; their summed RSS counts it again "+
		"in every process. Confer's is the bot's RSS: its PSS would be lower, since it shares its binary's "+
		"pages with the server and the publishing bots.\n\n",
		c.chromium, c.client, browserDir, c.seconds, compareSettle.Seconds())
	b.WriteString("| what | Confer | browser | Confer ÷ browser | target |\n|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| CPU, three received 720p30 streams | %.1f %% | %.1f %% | %.2f× | ≤ %.1f× |\n",
		c.conferCPU, c.browserCPU, ratio(c.conferCPU, c.browserCPU), cpuRatioTarget)
	fmt.Fprintf(&b, "| memory: Confer's RSS, the browser's PSS | %.0f MB | %.0f MB | %.2f× | ≤ %.1f× |\n",
		c.conferMem.rssMB, c.browserMem.pssMB, ratio(c.conferMem.rssMB, c.browserMem.pssMB), memRatioTarget)
	fmt.Fprintf(&b, "| memory, RSS summed | %.0f MB | %.0f MB | %.2f× | — |\n",
		c.conferMem.rssMB, c.browserMem.rssMB, ratio(c.conferMem.rssMB, c.browserMem.rssMB))
	fmt.Fprintf(&b, "| processes | 1 | %d | — | — |\n", c.browserProcs)
	fmt.Fprintf(&b, "| frames per second, slowest stream | %.1f decoded | %.1f decoded, %.1f drawn (%d×%d) | — | — |\n\n",
		c.conferFPS, c.decodedFPS, c.shownFPS, c.width, c.height)
	b.WriteString("The page attaches each camera to a 640×360 `<video>` in the viewport and each microphone to an `<audio>`; ")
	b.WriteString("`requestVideoFrameCallback` counts frames drawn and `getVideoPlaybackQuality()` frames decoded, and the ")
	b.WriteString("row fails when a video shows nothing. The comparison leans Confer's way in one respect: the bot ")
	b.WriteString("decodes and plays but draws nothing, while the browser composites its three tiles (in software: no GPU). ")
	b.WriteString("Confer's frames per second are its stats' over the whole run. The comparison without that lean, the ")
	b.WriteString("window against a tab that paints on the same display, is in the window's section above.\n\n")
	return b.String()
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
