package cli

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"time"
)

// reportFlag adds --report-every. A process that runs for hours (serve, a
// bot in a soak test) then writes one line about itself to stderr at that
// interval:
//
//	confer: report goroutines=57 rss_mb=61.2 heap_mb=12.0 fds=23
//
// heap_mb is the Go heap live after the last collection.
//
// enough to tell a leak from a steady state without a debugger or an
// open port. The names and their order are kept for scripts.
func reportFlag(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("report-every", 0, "write a line with goroutines, memory and open files to stderr at this interval (0: never)")
}

// startReports writes a report every interval until ctx ends; an interval
// of 0 writes none.
func startReports(ctx context.Context, w io.Writer, every time.Duration) {
	if every <= 0 {
		return
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				fmt.Fprintln(w, reportLine())
			}
		}
	}()
}

func reportLine() string {
	return fmt.Sprintf("confer: report goroutines=%d rss_mb=%.1f heap_mb=%.1f fds=%d",
		runtime.NumGoroutine(), residentMB(), liveHeapMB(), openFiles())
}

// liveHeapMB is the Go heap the last collection found in use. What is
// allocated since then is mostly garbage waiting for the next collection,
// which makes the heap in use climb and drop even in a steady state.
func liveHeapMB() float64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return -1
	}
	return float64(s[0].Value.Uint64()) / (1 << 20)
}

// residentMB is VmRSS from /proc/self/status; -1 where there is none.
func residentMB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var kb float64
		if _, err := fmt.Sscanf(sc.Text(), "VmRSS: %f kB", &kb); err == nil {
			return kb / 1024
		}
	}
	return -1
}

// openFiles counts /proc/self/fd; -1 where there is none.
func openFiles() int {
	f, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return -1
	}
	return len(names) - 1 // the directory being read
}
