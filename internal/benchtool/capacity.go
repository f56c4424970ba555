package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"confer/app/livekit"
	"confer/app/roomkeys"
	"confer/internal/load"
)

// The capacity of one `confer serve` node: four publishers of 720p30 and
// more and more receivers (confer load, in this process, sharing one
// encoder and decoding nothing), until freezes appear. Beside it, LiveKit's
// published figure: about 56 000 forwarded video packets a second per core
// (its 150 × 150 benchmark on 16 cores).
const (
	capacitySeconds    = 15
	capacityPublishers = 4
	liveKitPPSPerCore  = 56000
)

var capacitySubscribers = []int{4, 8, 16, 32, 48, 64, 96, 128}

type capacityStep struct {
	subscribers     int
	pps             float64 // video packets forwarded to the receivers, per second
	serverCPU       float64 // % of one core
	loadCPU         float64 // this process, % of one core per participant
	freezes, silent int
	failed          int
	longestMS       float64
}

type capacityFigures struct {
	steps []capacityStep
	err   string
}

// perCore is packets forwarded per second of the server's CPU.
func (s capacityStep) perCore() float64 {
	if s.serverCPU <= 0 {
		return 0
	}
	return s.pps / (s.serverCPU / 100)
}

// frozen: a receiver would notice.
func (s capacityStep) frozen() bool {
	return s.failed > 0 || s.silent > 0 || s.longestMS > 500
}

func measureCapacity(bin, work string, f *capacityFigures) error {
	keys := roomkeys.Keys{APIKey: "APIcapacity", APISecret: "capacity-secret-capacity-secret-0123456789"}
	srv, url, err := startServe(bin, work, "--api-key", keys.APIKey, "--api-secret", keys.APISecret)
	if err != nil {
		return err
	}
	defer stop(srv)
	livekit.SetLibraryLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, subs := range capacitySubscribers {
		var cpu0 float64
		r, err := load.Run(context.Background(), load.Config{
			Server: url, Room: fmt.Sprintf("capacity-%d", subs), APIKey: keys.APIKey, APISecret: keys.APISecret,
			Publishers: capacityPublishers, Subscribers: subs, Duration: capacitySeconds * time.Second,
			Width: 1280, Height: 720, FPS: 30, BitrateKbps: 1500, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			OnHold: func() { cpu0, _ = procCPUSeconds(srv.Process.Pid) },
		})
		if err != nil {
			return err
		}
		cpu1, _ := procCPUSeconds(srv.Process.Pid)
		step := capacityStep{subscribers: subs, pps: r.PacketsPerSecond, serverCPU: 100 * (cpu1 - cpu0) / r.Held.Seconds(),
			loadCPU: r.CPUPerParticipant, freezes: r.Freezes, silent: r.Silent, failed: r.Failed, longestMS: r.LongestFreezeMS}
		fmt.Printf("capacity: %d × %d: %.0f packets/s, server %.0f %% of a core, longest freeze %.0f ms\n",
			capacityPublishers, subs, step.pps, step.serverCPU, step.longestMS)
		f.steps = append(f.steps, step)
		if step.frozen() {
			break
		}
	}
	return nil
}

func (f capacityFigures) markdown(date, machine string) string {
	var b strings.Builder
	b.WriteString("## Capacity of one server node\n\n")
	fmt.Fprintf(&b, "`go run ./internal/benchtool -only capacity` (part of `make bench`) on %s, %s. ", date, machine)
	fmt.Fprintf(&b, "One `confer serve` node; %d publishers of 1280×720 at 30 fps (1.5 Mbit/s) and more and more receivers, "+
		"all from `confer load` in one process (the publishers share one encoder, the receivers count packets and frames "+
		"without decoding), %d s each from every stream's first frame, until a receiver would notice (a freeze over 500 ms, a stream with no frame, a failed join). ",
		capacityPublishers, capacitySeconds)
	b.WriteString("The load generator runs on the same two cores as the server, so the server's share of them is what it got, not what it could use.\n\n")
	if f.err != "" {
		fmt.Fprintf(&b, "Not measured in this run: %s\n\n", f.err)
		return b.String()
	}
	b.WriteString("| publishers × receivers | video packets forwarded/s | server CPU | packets/s per server core | freezes > 200 ms | longest | load generator per participant |\n|---|---|---|---|---|---|---|\n")
	best := 0.0
	for _, s := range f.steps {
		fmt.Fprintf(&b, "| %d × %d | %.0f | %.0f %% | %.0f | %d | %.0f ms | %.1f %% |\n", capacityPublishers, s.subscribers,
			s.pps, s.serverCPU, s.perCore(), s.freezes, s.longestMS, s.loadCPU)
		if !s.frozen() {
			best = max(best, s.perCore())
		}
	}
	fmt.Fprintf(&b, "\nLiveKit publishes about %d forwarded video packets a second per core (its 150 × 150 benchmark on 16 cores). ", liveKitPPSPerCore)
	b.WriteString(capacityVerdict(f.steps))
	b.WriteString("\n\n")
	return b.String()
}

// capacityVerdict sets the best per-core rate beside LiveKit's, and says
// whose limit ended the run.
func capacityVerdict(steps []capacityStep) string {
	best, top := 0.0, capacityStep{}
	for _, s := range steps {
		if !s.frozen() && s.perCore() > best {
			best, top = s.perCore(), s
		}
	}
	if best == 0 {
		return "Receivers noticed from the first step: no rate to set beside it."
	}
	out := fmt.Sprintf("The node's rate per core grows with the load, as its fixed costs per connection (signalling, RTCP, "+
		"each subscriber's stats and congestion control) spread over more packets; before receivers noticed it reached "+
		"%.0f at %d × %d, %.1f× below LiveKit's figure",
		best, capacityPublishers, top.subscribers, float64(liveKitPPSPerCore)/best)
	if best >= liveKitPPSPerCore/2 {
		out = fmt.Sprintf("The node forwarded up to %.0f per core-second at %d × %d: within 2× of LiveKit's figure",
			best, capacityPublishers, top.subscribers)
	}
	last := steps[len(steps)-1]
	if last.frozen() && last.serverCPU < 80 {
		out += fmt.Sprintf(". Receivers noticed at %d × %d while the server used %.0f %% of a core: the limit reached was "+
			"this two-core machine's, which also ran the load generator receiving %.0f packets a second, not the node's; "+
			"a node's own limit needs the generator on another machine.", capacityPublishers, last.subscribers, last.serverCPU, last.pps)
	} else {
		out += "."
	}
	return out
}
