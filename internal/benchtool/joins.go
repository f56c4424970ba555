package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"confer/internal/bot"
)

// joinGap is how long the publisher is alone before each join (-join-gap):
// past the server's 5 s dynacast delay its layers are paused, and the
// joiner's first picture waits for one to resume.
var joinGap time.Duration

// measureJoins keeps one publishing bot in the room and joins it again and
// again with a receive-only bot, which reports when its first frame came.
func measureJoins(bin, url, work string, joins int, r *report) error {
	pub := exec.Command(bin, "bot", "--server", url, "--room", "bench", "--name", "Publisher",
		"--user", "publisher", "--width", "1280", "--height", "720", "--bitrate", "1500")
	pub.Env = append(os.Environ(), "XDG_CONFIG_HOME="+work)
	if err := pub.Start(); err != nil {
		return err
	}
	defer stop(pub)
	time.Sleep(2 * time.Second) // let the publisher settle before measuring

	for i := 0; i < joins; i++ {
		time.Sleep(joinGap)
		path := filepath.Join(work, fmt.Sprintf("join-%d.json", i))
		cmd := exec.Command(bin, "bot", "--server", url, "--room", "bench", "--name", "Joiner",
			"--user", fmt.Sprintf("joiner-%d", i), "--video", "none", "--audio", "none",
			"--duration", "2s", "--stats", path)
		cmd.Env = pub.Env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("join %d: %v\n%s", i, err, out)
		}
		st, err := readStats(path)
		if err != nil {
			return err
		}
		rs := st.Remotes["publisher"]
		if rs == nil || rs.FramesDecoded == 0 {
			return fmt.Errorf("join %d decoded nothing from the publisher", i)
		}
		r.joinMS = append(r.joinMS, st.JoinMS)
		r.firstFrameMS = append(r.firstFrameMS, rs.FirstFrameMS)
		r.subscribedMS = append(r.subscribedMS, rs.SubscribedMS)
		r.firstPacketMS = append(r.firstPacketMS, rs.FirstPacketMS)
		r.latencyP50 = append(r.latencyP50, rs.VideoLatencyMS.P50)
		r.latencyP95 = append(r.latencyP95, rs.VideoLatencyMS.P95)
	}
	return nil
}

func readStats(path string) (*bot.Stats, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st bot.Stats
	return &st, json.Unmarshal(data, &st)
}

// pct is the q-quantile (nearest rank) of v.
func pct(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1)+0.5)]
}
