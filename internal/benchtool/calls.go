package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// callFigures are the CPU, memory and smoothness of real calls.
type callFigures struct {
	recvCPU, sendCPU float64 // % of one core for one 720p30 stream
	party            partyFigures
}

type partyFigures struct {
	seconds       float64
	clientsCPU    float64 // % of one core, all four clients
	serverCPU     float64
	maxRSSMB      float64
	rssFileMB     float64  // one client, 5 s before the end: pages of the binary
	rssAnonMB     float64  // and allocated memory
	longestFreeze float64  // ms, worst over every received stream
	layers        []string // the sizes received at the end, as "640×360", each once
}

const (
	streamSeconds = 15
	partySeconds  = 60
	// partyTile is the tile each of the others gets in a window of the
	// default size (1024×700) with four people in it, as the window bench
	// reads it: each party bot asks for that size, as that window does, and
	// so decodes the layer a window would.
	partyTile = "556x313"
)

func botArgs(url, room, user, dur string, extra ...string) []string {
	return append([]string{"bot", "--server", url, "--room", room, "--name", user, "--user", user,
		"--duration", dur, "--width", "1280", "--height", "720", "--bitrate", "1500", "--play=false"}, extra...)
}

// measureStreams: one publisher and one receive-only bot for streamSeconds.
// Each bot's CPU over its run, divided by the run, is its cost; the
// publisher's is a sent stream (capture, encode), the receiver's a received
// one (decode, no drawing).
func measureStreams(bin, url, work string, f *callFigures) error {
	pubStats, recvStats := filepath.Join(work, "pub.json"), filepath.Join(work, "recv.json")
	dur := fmt.Sprintf("%ds", streamSeconds)
	pub := exec.Command(bin, botArgs(url, "cpu", "sender", dur, "--audio", "none", "--stats", pubStats)...)
	recv := exec.Command(bin, botArgs(url, "cpu", "receiver", dur, "--video", "none", "--audio", "none", "--stats", recvStats)...)
	for _, c := range []*exec.Cmd{pub, recv} {
		c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
		if err := c.Start(); err != nil {
			return err
		}
	}
	for _, c := range []*exec.Cmd{pub, recv} {
		if err := c.Wait(); err != nil {
			return fmt.Errorf("stream bot: %v", err)
		}
	}
	ps, err := readStats(pubStats)
	if err != nil {
		return err
	}
	rs, err := readStats(recvStats)
	if err != nil {
		return err
	}
	if r := rs.Remotes["sender"]; r == nil || r.FramesDecoded < streamSeconds*20 {
		return fmt.Errorf("the receiver decoded too little: %+v", r)
	}
	f.sendCPU = 100 * ps.CPUSeconds / streamSeconds
	f.recvCPU = 100 * rs.CPUSeconds / streamSeconds
	return nil
}

// measureParty: four bots, each sending 720p30 and receiving the other
// three, for partySeconds, with the server's CPU read from /proc.
func measureParty(bin, url, work string, serverPID int, f *callFigures) error {
	before, err := procCPUSeconds(serverPID)
	if err != nil {
		return err
	}
	dur := fmt.Sprintf("%ds", partySeconds)
	var bots []*exec.Cmd
	for i := 0; i < 4; i++ {
		user := fmt.Sprintf("p%d", i)
		c := exec.Command(bin, botArgs(url, "four", user, dur, "--tile", partyTile, "--stats", filepath.Join(work, user+".json"))...)
		c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
		if err := c.Start(); err != nil {
			return err
		}
		bots = append(bots, c)
	}
	start := time.Now()
	// Where a client's memory is, late in the call: mapped from the binary
	// (file) or allocated (anonymous: Go heap, libvpx, pion).
	time.AfterFunc(time.Duration(partySeconds-5)*time.Second, func() {
		f.party.rssFileMB, f.party.rssAnonMB = rssSplit(bots[0].Process.Pid)
	})
	for _, c := range bots {
		if err := c.Wait(); err != nil {
			return fmt.Errorf("party bot: %v", err)
		}
	}
	wall := time.Since(start).Seconds()
	after, err := procCPUSeconds(serverPID)
	if err != nil {
		return err
	}
	p := &f.party
	p.seconds = wall
	p.serverCPU = 100 * (after - before) / wall
	for i := 0; i < 4; i++ {
		st, err := readStats(filepath.Join(work, fmt.Sprintf("p%d.json", i)))
		if err != nil {
			return err
		}
		p.clientsCPU += 100 * st.CPUSeconds / wall
		p.maxRSSMB = max(p.maxRSSMB, st.MaxRSSMB)
		if len(st.Remotes) != 3 {
			return fmt.Errorf("p%d received from %d others, want 3", i, len(st.Remotes))
		}
		for _, r := range st.Remotes {
			p.longestFreeze = max(p.longestFreeze, r.LongestFreezeMS)
			if l := fmt.Sprintf("%d×%d", r.Width, r.Height); !slices.Contains(p.layers, l) {
				p.layers = append(p.layers, l)
			}
		}
	}
	return nil
}

// rssSplit reads a process's resident memory by kind, in MB.
func rssSplit(pid int) (file, anon float64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "RssFile:":
			file = kb / 1024
		case "RssAnon:":
			anon = kb / 1024
		}
	}
	return file, anon
}

// procCPUSeconds reads a process's user+system CPU time.
func procCPUSeconds(pid int) (float64, error) {
	return statCPUSeconds(fmt.Sprintf("/proc/%d/stat", pid))
}

// statCPUSeconds reads user+system CPU time from a stat file of /proc (a
// process's, or one thread's under task/).
func statCPUSeconds(path string) (float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start after ')'.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	const ticks = 100 // USER_HZ on Linux
	return (utime + stime) / ticks, nil
}
