package main

import (
	"fmt"
	"strings"

	"confer/internal/bot"
)

type report struct {
	machine, date string

	joinMS, firstFrameMS   []float64
	subscribedMS           []float64 // the joiner's video track subscribed
	firstPacketMS          []float64 // its first RTP packet in
	latencyP50, latencyP95 []float64
	micro                  []microResult
	calls                  callFigures
	audio                  bot.AudioLatency
	compare                compareFigures
	window                 windowFigures
	netbad                 netbadFigures
	audioproc              audioProcFigures
	capacity               capacityFigures
}

// partyNote follows the 4-party rows: who the clients are, what they
// decode (%s: the tile's size), and where a client's memory is.
const partyNote = "The clients are bots of the window's program, which links no server (README, \"The window " +
	"links no server\"). Each asks for every other camera at %s px, the tile a 1024×700 window " +
	"gives each of four people (the window's bench below reads the same size), as that window does; the server " +
	"then forwards the 640×360 layer, which is what a window in such a call decodes. Four clients and the server " +
	"share the two cores, and the run-to-run spread is wide. The binary a bot maps is some 37–44 MB; on this " +
	"kernel a file's page cache comes in large folios, and a fault maps a whole one, so how much of a binary " +
	"counts as resident also depends on how its pages came into the cache. Of the allocated memory the Go heap " +
	"is some 21 MB (`GODEBUG=gctrace=1 bin/confer bot …`); the rest is the codecs (one encoder per simulcast " +
	"layer, a 1280×720 one holding some 11 MB with the libvpx make builds, `go test -run EncoderMemory -v " +
	"./media/codec`; three decoders), the audio processing and the C allocator's arenas. A bot paints nothing: " +
	"the window's own memory, with its painter, is in \"The window\" below.\n\n"

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nMeasured by `make bench` on %s, %s. ", r.date, r.machine)
	b.WriteString("Every figure below comes from that command; run it to get your own. ")
	b.WriteString("How a long call holds up (memory, goroutines and open files over 30 minutes) is what `make soak` measures; it writes docs/SOAK.md.\n\n")
	b.WriteString("## Calls (real processes: `confer serve` and `confer bot` on loopback)\n\n")
	fmt.Fprintf(&b, "A publishing bot sends 1280×720 at 30 fps; a receive-only bot joins %d times.\n\n", len(r.firstFrameMS))
	b.WriteString("| what | p50 | p95 | target |\n|---|---|---|---|\n")
	row := func(what string, v []float64, target string) {
		fmt.Fprintf(&b, "| %s | %.1f ms | %.1f ms | %s |\n", what, pct(v, 0.5), pct(v, 0.95), target)
	}
	row("join call returns (connected)", r.joinMS, "—")
	row("… the publisher's video track subscribed", r.subscribedMS, "—")
	row("… its first packet in", r.firstPacketMS, "—")
	row("join → first remote frame decoded", r.firstFrameMS, "p50 ≤ 150 ms, p95 ≤ 300 ms")
	row("video capture → decoded (per join: its p50)", r.latencyP50, "p50 ≤ 25 ms (to screen)")
	row("video capture → decoded (per join: its p95)", r.latencyP95, "p95 ≤ 40 ms (to screen)")
	b.WriteString(audioRow(r.audio))
	b.WriteString("\nCapture → decoded is read from the time strip the synthetic camera burns into each frame, ")
	b.WriteString("so it includes encoding, packetisation, the server and decoding, but not drawing on screen.\n\n")
	b.WriteString(audioNote)
	b.WriteString("Where join → first frame goes: the server's first offer to the joiner carries the publisher's tracks, ")
	b.WriteString("so the join returns with them negotiated; the track is reported when its first packet comes, ")
	b.WriteString("and the picture when the keyframe the server asked for on binding the track is decoded. ")
	b.WriteString("Upstream livekit-server v1.13.5 sends that first offer a millisecond before the tracks are subscribed and ")
	b.WriteString("brings them 150 ms later in a second one (`negotiationFrequency`, a constant): join → first frame was ")
	b.WriteString("184 ms p50 with it. Confer's server carries a two-line patch (`third_party/patches/livekit-server`) that lets ")
	b.WriteString("a connection's first offer wait 10 ms for them; a Confer client joining another LiveKit server gets the ")
	b.WriteString("upstream timing. Keyframe requests: Confer's server passes them on to a publisher at most every 20 ms per ")
	b.WriteString("layer (LiveKit's default is once a second), and a Confer publisher answers two requests back to back ")
	b.WriteString("before it spaces keyframes 300 ms apart; with a 100 ms throttle, a joiner whose request came just after ")
	b.WriteString("someone else's (the down track of the joiner who had just left) waited 200 ms more. ")
	b.WriteString("The SDK's single-peer-connection mode (`WithSinglePeerConnection`) was tried and is not used: with ")
	b.WriteString("livekit-server v1.13.5 and server-sdk-go v2.17 a participant who publishes after subscribing stopped ")
	b.WriteString("receiving video (the SDK's AddTrack reuses a receiving transceiver), the server filed every simulcast ")
	b.WriteString("layer of a single-connection publisher as its first (\"duplicate layer\"), so nobody received its video, ")
	b.WriteString("and leaves were not reported.\n\n")
	c := r.calls
	b.WriteString("## CPU and memory of calls\n\n")
	b.WriteString("Bots publish the synthetic 1280×720 camera at 30 fps (1.5 Mbit/s) and decode what they receive; they draw ")
	b.WriteString("nothing, so the window's conversion (libyuv, see below) is not included. The one-stream rows receive the full ")
	b.WriteString("layer; in the 4-party call each client receives the layer a window's tile asks for (below the table). ")
	b.WriteString("CPU is % of one core over the run.\n\n")
	b.WriteString("| what | measured | target |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| one received 720p30 stream (decode; the receiving bot's whole process) | %.1f %% | ≤ 7 %% (with drawing) |\n", c.recvCPU)
	fmt.Fprintf(&b, "| one sent 720p30 stream (synthetic capture + VP8 encode; the sending bot's whole process) | %.1f %% | — |\n", c.sendCPU)
	p := c.party
	fmt.Fprintf(&b, "| 4-party 720p30 call, %.0f s: four clients, each receiving three videos (at the end: %s) | %.0f %% | — |\n",
		p.seconds, strings.Join(p.layers, ", "), p.clientsCPU)
	fmt.Fprintf(&b, "| 4-party 720p30 call: the server | %.0f %% | — |\n", p.serverCPU)
	fmt.Fprintf(&b, "| 4-party 720p30 call: clients and server together | %.0f %% | ≤ 160 %% |\n", p.clientsCPU+p.serverCPU)
	fmt.Fprintf(&b, "| 4-party call: largest client RSS | %.0f MB | ≤ 120 MB |\n", p.maxRSSMB)
	fmt.Fprintf(&b, "| 4-party call: longest gap between two decoded frames, any stream | %.0f ms | no freeze over 200 ms |\n", p.longestFreeze)
	fmt.Fprintf(&b, "| 4-party call: one client's RSS, 5 s before the end | %.0f MB mapped from the binary + %.0f MB allocated | — |\n\n", p.rssFileMB, p.rssAnonMB)
	fmt.Fprintf(&b, partyNote, strings.Replace(partyTile, "x", "×", 1))
	b.WriteString(r.audioproc.markdown(r.date, r.machine))
	b.WriteString(r.window.markdown())
	b.WriteString(r.compare.markdown())
	b.WriteString(r.netbad.markdown(r.date, r.machine))
	b.WriteString(r.capacity.markdown(r.date, r.machine))
	b.WriteString("## Per-frame costs (Go benchmarks, one core)\n\n| benchmark | ms/op | allocs/op |\n|---|---|---|\n")
	for _, m := range r.micro {
		fmt.Fprintf(&b, "| %s | %.3f | %s |\n", m.name, m.msOp, m.allocs)
	}
	return b.String()
}
