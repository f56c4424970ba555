package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"confer/internal/bot"
)

const audioSeconds = 20

// measureAudio: the audio latency of the calls table, the tone as it is
// sent by default (no processing).
func measureAudio(bin, url, work string, r *report) error {
	var err error
	r.audio, err = audioLatency(bin, url, work, "audio")
	return err
}

// audioLatency: one bot publishes only the tone microphone (with
// talkerArgs), another plays what it hears (to the null device without a
// sound card) and reports each click's delay from its capture to the
// moment the device took it.
func audioLatency(bin, url, work, room string, talkerArgs ...string) (bot.AudioLatency, error) {
	stats := filepath.Join(work, room+"-listener.json")
	// The talker outlasts the listener, which so never hears it leave.
	talker := exec.Command(bin, botArgs(url, room, "talker", fmt.Sprintf("%ds", audioSeconds+3),
		append([]string{"--video", "none"}, talkerArgs...)...)...)
	listener := exec.Command(bin, botArgs(url, room, "listener", fmt.Sprintf("%ds", audioSeconds),
		"--video", "none", "--audio", "none", "--play=true", "--stats", stats)...)
	for _, c := range []*exec.Cmd{talker, listener} {
		c.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
		if err := c.Start(); err != nil {
			return bot.AudioLatency{}, err
		}
	}
	for _, c := range []*exec.Cmd{listener, talker} {
		if err := c.Wait(); err != nil {
			return bot.AudioLatency{}, fmt.Errorf("audio bot: %v", err)
		}
	}
	st, err := readStats(stats)
	if err != nil {
		return bot.AudioLatency{}, err
	}
	if st.AudioLatencyMS == nil || st.AudioLatencyMS.Clicks < audioSeconds/2 {
		return bot.AudioLatency{}, fmt.Errorf("the listener heard too few clicks: %+v", st.AudioLatencyMS)
	}
	return *st.AudioLatencyMS, nil
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
