//go:build race

package testenv

// RaceEnabled tells whether the race detector is on. livekit-server has data
// races of its own, so under -race the node runs in a process of its own.
const RaceEnabled = true
