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
	b.WriteString("bots' 1280×720 cameras at 30 fps, then three again with the videos painted by Fyne's canvas ")
	b.WriteString("(`CONFER_VIDEO=fyne`: what a window does where it cannot have X11 child windows). Without a GPU, ")
	b.WriteString("Fyne paints with Mesa's llvmpipe, whose threads are counted apart. CPU is % of one core for the ")
	b.WriteString("whole window process. Last, the smallest Fyne window, one label in a window of the same size, ")
	b.WriteString("runs on the same display, as the floor of any Fyne program there.\n\n")
	b.WriteString("| what | window CPU | of it, painting | memory: RSS (files + anonymous), PSS | tiles | target |\n|---|---|---|---|---|---|\n")
	row := func(what string, r windowRun, target string) {
		tiles := "—"
		if r.tileW > 0 {
			tiles = fmt.Sprintf("%d×%d px showing %d×%d, %.1f fps", r.tileW, r.tileH, r.videoW, r.videoH, r.shownFPS)
		}
		mem := fmt.Sprintf("%.0f MB (%.0f + %.0f), %.0f MB", r.mem.rssMB, r.fileMB, r.anonMB, r.mem.pssMB)
		fmt.Fprintf(&b, "| %s | %.1f %% | %.1f %% | %s | %s | %s |\n", what, r.cpu, r.paintCPU, mem, tiles, target)
	}
	if w.floorErr == "" {
		row("the smallest Fyne window (one label: `internal/benchtool/fynefloor`), not Confer's", w.floor, "—")
	}
	row("in a call, no video", w.rest, "—")
	row("showing one received 720p30 stream", w.one, "—")
	row("showing three", w.three, "—")
	row("showing three, painted by the canvas (`CONFER_VIDEO=fyne`)", w.threeCanvas, "—")
	one := w.one.cpu - w.rest.cpu
	per3 := (w.three.cpu - w.rest.cpu) / 3
	fmt.Fprintf(&b, "| **added by one stream** (decode + convert + paint) | %.1f %% | %.1f %% | | | ≤ 7 %% |\n", one, w.one.paintCPU-w.rest.paintCPU)
	fmt.Fprintf(&b, "| **added per stream, three shown** | %.1f %% | %.1f %% | | | ≤ 7 %% |\n\n", per3, (w.three.paintCPU-w.rest.paintCPU)/3)
	floorNote(&b, w)
	tabRows(&b, w)
	glassRows(&b, w)
	b.WriteString("Each tile gets the simulcast layer its size needs (the column shows which), so decodes are of that layer. ")
	b.WriteString("On X11 the videos never go through Fyne's canvas (`ui/xvideo`): each tile has a child window of its ")
	b.WriteString("own, the decoder's goroutine scales and converts each frame (libyuv) straight into a shared-memory ")
	b.WriteString("segment, and the X server copies it to the screen (MIT-SHM's ShmPutImage). The canvas repaints only ")
	b.WriteString("when something of its own changes, which is why the painting column is near zero; what is left is ")
	b.WriteString("the decodes and conversions. The canvas row is the cost without that: Fyne repaints the whole window ")
	b.WriteString("for any change, and llvmpipe spends some 7 ms of a core on one thread to cover a window this size ")
	b.WriteString("once (a window of one rectangle repainted 25 times a second took 18 % of a core), so three videos ")
	b.WriteString("cost about what one does to paint, even paced to one repaint per 25 ms for all tiles together ")
	b.WriteString("(`widgets.Painter`), and the tile sizes do not matter much. llvmpipe is kept to one thread ")
	b.WriteString("(`LP_NUM_THREADS=1` unless set): its default thread per core cost some 12 % of a core more in ")
	b.WriteString("hand-offs. In a call with no video the window's cost is mostly Fyne's event loop, which polls 60 ")
	b.WriteString("times a second. The sound devices' callbacks are C and never enter Go (`media/devring`): when ")
	b.WriteString("miniaudio's thread called into Go 100 times a second, each return to C left a P in a system call, ")
	b.WriteString("and the Go runtime's sysmon thread took it back and started polling every 20 µs again ")
	b.WriteString("(golang/go#18236); the window idled at 7–8 % of a core and some 3,160 thread switches a second, and ")
	b.WriteString("at 2 % and 730 since (`/proc`, 15 s each, two runs of each build). ")
	b.WriteString("Of the memory, the mapped files are mostly two: Confer's program (some 37 MB; on this kernel, ")
	b.WriteString("6.18, a file's page cache comes in large folios and a fault maps a whole one, `FilePmdMapped` in ")
	b.WriteString("smaps, so nearly all of a binary's code and read-only data count as resident, used or not) and ")
	b.WriteString("Mesa's LLVM (some 54 MB). Debian's Mesa builds all its DRI drivers into one file (`iris_dri.so`, ")
	b.WriteString("`radeonsi_dri.so` and `swrast_dri.so` are hard links to it) that links libLLVM, so a window that ")
	b.WriteString("paints with OpenGL maps it with a GPU too: loading the library alone makes 43 MB of it resident, ")
	b.WriteString("34 MB of code and 8 MB of relocations (`python3 -c \"import ctypes; ")
	b.WriteString("ctypes.CDLL('libLLVM-15.so.1')\"` and that process's smaps), and llvmpipe's shader compiles ")
	b.WriteString("touch the rest. The X server paints GLX in software too and shares those pages, which is most of ")
	b.WriteString("why the window's PSS is lower than its RSS; the senders run a copy of the program, so the window ")
	b.WriteString("shares no page of its binary with them. The window's program links no server (README, \"The ")
	b.WriteString("window links no server\"): with it, the window showing three streams took 227 MB (127 + 94) on ")
	b.WriteString("2026-12-01. The anonymous part holds the Go heap (collected at half again its live size, some ")
	b.WriteString("16 MB with three videos: README, \"Fonts parsed once, buffers given back\"), the C allocator's ")
	b.WriteString("(Mesa's compiler, the decoders), the painter's buffers and the surfaces' shared memory. ")
	b.WriteString("Mesa's softpipe (`GALLIUM_DRIVER=softpipe`), which paints without LLVM, mapped 27 MB fewer files ")
	b.WriteString("but took 43–54 MB more anonymous memory (244 MB in all with three streams) and 75.9 % of a core ")
	b.WriteString("for the canvas run against 54.9 % (one run, 2026-12-01): llvmpipe stays. `CONFER_MEMPROFILE=FILE` writes the ")
	b.WriteString("window's heap profile when it quits, `CONFER_CPUPROFILE=FILE` its CPU profile.\n\n")
	return b.String()
}

// floorNote says how much of the window's memory any Fyne program takes.
func floorNote(b *strings.Builder, w windowFigures) {
	if w.floorErr != "" {
		fmt.Fprintf(b, "The smallest Fyne window was not measured in this run: %s.\n\n", w.floorErr)
		return
	}
	f := w.floor
	fmt.Fprintf(b, "The smallest Fyne window takes %.0f MB (%.0f MB of files, %.0f MB anonymous), %.0f MB PSS, ",
		f.mem.rssMB, f.fileMB, f.anonMB, f.mem.pssMB)
	fmt.Fprintf(b, "and %.1f %% of a core doing nothing: whatever a Fyne program does, it starts there on this display. ", f.cpu)
	fmt.Fprintf(b, "Confer's window showing three streams takes %.0f MB of RSS more (%.0f MB of files, %.0f MB anonymous): ",
		w.three.mem.rssMB-f.mem.rssMB, w.three.fileMB-f.fileMB, w.three.anonMB-f.anonMB)
	b.WriteString("its program, the call, the decoders and the video surfaces.\n\n")
}

// glassRows is capture → on the display for the runs with video.
func glassRows(b *strings.Builder, w windowFigures) {
	b.WriteString("Glass to glass: capture → on the display, read from the display's own pixels. Xvfb keeps its screen in ")
	b.WriteString("a file (`-fbdir`); the bench maps it, reads every tile's picture's time strip about once a millisecond ")
	fmt.Fprintf(b, "for %d s after the CPU is measured, and notes each new picture as it appears, against the capture time ", glassSeconds)
	b.WriteString("the synthetic camera burnt into it (same machine, same clock). It includes capture, encoding, the ")
	b.WriteString("server, decoding, conversion and painting; a figure is up to 2 ms late (the read interval and the ")
	b.WriteString("strip's whole milliseconds). Beside it, capture → handed to the painter (the tiles' own p50s, ")
	b.WriteString("median; with child windows, → sent to the X server).\n\n")
	b.WriteString("| what | capture → on the display p50 | p95 | pictures read | capture → handed to the painter p50 | target |\n|---|---|---|---|---|---|\n")
	for _, r := range []struct {
		what string
		run  windowRun
	}{{"showing one received 720p30 stream", w.one}, {"showing three", w.three},
		{"showing three, painted by the canvas", w.threeCanvas}} {
		g := r.run.glass
		fmt.Fprintf(b, "| %s | %.1f ms | %.1f ms | %d | %.1f ms | p50 ≤ 25 ms, p95 ≤ 40 ms |\n", r.what,
			millis(g.p50), millis(g.p95), g.pictures, millis(g.painter))
	}
	b.WriteString("\nWith child windows a picture is on the display as soon as the X server has copied it, a few ")
	b.WriteString("milliseconds after decoding; what is left is capture, encoding, the server and decoding, and with ")
	b.WriteString("three videos on two cores their goroutines' turns. Through the canvas a picture waits for Fyne's ")
	b.WriteString("event loop's 60 Hz tick (`internal/driver/glfw/loop.go`, 8 ms on average), for the pace of one ")
	b.WriteString("batch per 25 ms, and for llvmpipe to paint the whole window (7–10 ms on one thread).\n\n")
}

// tabRows puts the window beside a browser tab showing the same three
// streams on the same display: the comparison people make.
func tabRows(b *strings.Builder, w windowFigures) {
	t := w.tab
	b.WriteString("### The window beside a browser tab, on the same display\n\n")
	if t.err != "" {
		fmt.Fprintf(b, "Not measured in this run: %s.\n\n", t.err)
		return
	}
	fmt.Fprintf(b, "Right after the window's run with three streams, on the same display, a %s tab running %s ", t.chromium, t.client)
	b.WriteString("(`scripts/browser-bench/run.mjs --window`, a 1024×700 page, not headless) receives the same three ")
	fmt.Fprintf(b, "senders in `<video>` tiles of the window's size (%d×%d), each at the layer its tile needs (adaptive ", w.three.tileW, w.three.tileH)
	fmt.Fprintf(b, "stream), and is measured for %d s like the window: CPU of all its %d processes (the Node driver ", windowSeconds, t.procs)
	b.WriteString("left out), memory as PSS summed over them. Chromium composites in software here, as Fyne paints with ")
	b.WriteString("llvmpipe. A side that shows fewer pictures than arrive (the last row) spends less for it.\n\n")
	b.WriteString("| three received 720p30 streams shown | window | browser tab | window ÷ tab | target |\n|---|---|---|---|---|\n")
	fmt.Fprintf(b, "| CPU, %% of one core | %.1f %% | %.1f %% | %.2f× | ≤ 0.5× |\n", w.three.cpu, t.cpu, ratio(w.three.cpu, t.cpu))
	fmt.Fprintf(b, "| CPU, the videos painted by the canvas | %.1f %% | %.1f %% | %.2f× | — |\n",
		w.threeCanvas.cpu, t.cpu, ratio(w.threeCanvas.cpu, t.cpu))
	fmt.Fprintf(b, "| memory: the window's RSS, the tab's PSS | %.0f MB | %.0f MB | %.2f× | ≤ 0.3× |\n",
		w.three.mem.rssMB, t.mem.pssMB, ratio(w.three.mem.rssMB, t.mem.pssMB))
	fmt.Fprintf(b, "| memory: PSS of both | %.0f MB | %.0f MB | %.2f× | — |\n", w.three.mem.pssMB, t.mem.pssMB, ratio(w.three.mem.pssMB, t.mem.pssMB))
	fmt.Fprintf(b, "| slowest tile: pictures shown, layer | %.1f fps, %d×%d | %.1f fps, %d×%d | | |\n\n",
		w.three.shownFPS, w.three.videoW, w.three.videoH, t.shownFPS, t.videoW, t.videoH)
}
