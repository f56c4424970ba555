//go:build !race

package testenv

// RaceEnabled tells whether the race detector is on.
const RaceEnabled = false
