package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"confer/internal/bot"
)

const audioSeconds = 20

// measureAudio: one bot publishes only the tone microphone, another plays
// what it hears (to the null device without a sound card) and reports each
// click's delay from its capture to the moment the device took it.
func measureAudio(bin, url, work string, r *report) error {
	stats := filepath.Join(work, "listener.json")
	// The talker outlasts the listener, which so never hears it leave.
	talker := exec.Command(bin, botArgs(url, "audio", "talker", fmt.Sprintf("%ds", audioSeconds+3),
		"--video", "none")...)
	listener := exec.Command(bin, botArgs(url, "audio", "listener", fmt.Sprintf("%ds", audioSeconds),
		"--video", "none", "--audio", "none", "--play=true", "--stats", stats)...)
	for _, c := range []*exec.Cmd{talker, listener} {
		c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
		if err := c.Start(); err != nil {
			return err
		}
	}
	for _, c := range []*exec.Cmd{listener, talker} {
		if err := c.Wait(); err != nil {
			return fmt.Errorf("audio bot: %v", err)
		}
	}
	st, err := readStats(stats)
	if err != nil {
		return err
	}
	if st.AudioLatencyMS == nil || st.AudioLatencyMS.Clicks < audioSeconds/2 {
		return fmt.Errorf("the listener heard too few clicks: %+v", st.AudioLatencyMS)
	}
	r.audio = *st.AudioLatencyMS
	return nil
}

// audioRow is the audio line of the calls table.
func audioRow(a bot.AudioLatency) string {
	return fmt.Sprintf("| audio capture → playback device (%d clicks) | %.1f ms | %.1f ms | p50 ≤ 60 ms |\n",
		a.Clicks, a.P50, a.P95)
}

const audioNote = "Audio capture → playback device: one bot publishes only the synthetic microphone, whose clicks " +
	"fall on whole wall-clock seconds, and another plays what it hears for 20 s. A tap on the mix that the " +
	"device callback pulls finds each click and takes its delay from its second to the moment the device " +
	"took its first sample (the null device without a sound card, which pulls at the device's pace), so it " +
	"includes the microphone's 20 ms chunks, Opus, the server, the decoder and the mixer's jitter buffer, " +
	"but not the sound card's own buffer.\n\n"
