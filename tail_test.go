package main

import (
	"sync"
	"testing"
)

// tailLog keeps the last part of a child process's log and hands it to the
// test only when the test fails. A server at debug level writes megabytes;
// passed straight to the test's stderr that buried the one line saying
// which test failed, since `go test` prints a package's whole output when
// any of its tests fails.
type tailLog struct {
	mu   sync.Mutex
	buf  []byte
	keep int
}

func (l *tailLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if over := len(l.buf) - 2*l.keep; over > 0 {
		// Trim in halves, not on every write.
		l.buf = append(l.buf[:0], l.buf[len(l.buf)-l.keep:]...)
	}
	return len(p), nil
}

func (l *tailLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > l.keep {
		return "…" + string(l.buf[len(l.buf)-l.keep:])
	}
	return string(l.buf)
}

// logTailOnFailure returns a writer for a child's log whose last 32 KiB
// the test logs as name's if it fails; register it after the cleanup that
// ends the child, so the log is complete when it is read.
func logTailOnFailure(t *testing.T, name string) *tailLog {
	l := &tailLog{keep: 32 << 10}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s's log, its end:\n%s", name, l.String())
		}
	})
	return l
}
