// Package procstop ends a child process as Ctrl+C would, and kills it if
// it has not ended within a grace period: room servers and bots say
// goodbye on SIGINT (participants see them leave), which a kill skips.
package procstop

import (
	"os"
	"time"
)

// Stop sends p SIGINT and returns once exited is closed (by whoever waits
// for p), killing p if that takes longer than grace.
func Stop(p *os.Process, exited <-chan struct{}, grace time.Duration) {
	_ = p.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = p.Kill()
		<-exited
	}
}
