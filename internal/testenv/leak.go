package testenv

import (
	"bytes"
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// Labelled runs fn with a pprof label that every goroutine it starts, and
// every goroutine those start, inherits. Goroutines of the same process that
// were started elsewhere (an in-process server's) do not carry it.
func Labelled(owner string, fn func()) {
	pprof.Do(context.Background(), pprof.Labels("confer-owner", owner), func(context.Context) { fn() })
}

// CheckNoGoroutines fails the test if goroutines labelled owner are still
// alive after a grace period (goroutines may need a moment to return).
func CheckNoGoroutines(t testing.TB, owner string, grace time.Duration) {
	t.Helper()
	deadline := time.Now().Add(grace)
	for {
		left := labelledStacks(owner)
		if left == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines started by %s still running after it closed:\n%s", owner, left)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// labelledStacks returns the goroutine profile records carrying the label.
func labelledStacks(owner string) string {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	want := fmt.Sprintf("%q:%q", "confer-owner", owner)
	var out strings.Builder
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		if strings.Contains(rec, "# labels:") && strings.Contains(rec, want) {
			out.WriteString(rec)
			out.WriteString("\n\n")
		}
	}
	return out.String()
}

// CountGoroutines counts the goroutines labelled owner.
func CountGoroutines(owner string) int {
	n := 0
	for _, rec := range strings.Split(labelledStacks(owner), "\n\n") {
		var k int
		if _, err := fmt.Sscanf(rec, "%d @", &k); err == nil {
			n += k
		}
	}
	return n
}

// WaitGoroutines fails the test unless the goroutines labelled owner come
// back down to want within grace: a join and leave must not leave any behind.
func WaitGoroutines(t testing.TB, owner string, want int, grace time.Duration) {
	t.Helper()
	deadline := time.Now().Add(grace)
	for {
		n := CountGoroutines(owner)
		if n <= want {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%d goroutines of %s, want %d:\n%s", n, owner, want, labelledStacks(owner))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}
