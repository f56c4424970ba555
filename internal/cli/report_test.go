package cli

import (
	"bufio"
	"context"
	"io"
	"testing"
	"time"

	"confer/internal/soak"
)

// The report line is what the soak reads: same words, real figures.
func TestReportLineIsWhatTheSoakReads(t *testing.T) {
	line := reportLine()
	s, ok := soak.ParseReport(line)
	if !ok {
		t.Fatalf("%q does not parse as a report", line)
	}
	if s.Goroutines < 1 || s.RSSMB <= 0 || s.HeapMB < 0 || s.FDs < 3 {
		t.Fatalf("%q: %+v", line, s)
	}
}

func TestReportsComeAtTheInterval(t *testing.T) {
	r, w := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer r.Close()
	start := time.Now()
	startReports(ctx, w, 20*time.Millisecond)
	sc := bufio.NewScanner(r)
	for i := range 3 {
		if !sc.Scan() {
			t.Fatalf("report %d: %v", i+1, sc.Err())
		}
		if _, ok := soak.ParseReport(sc.Text()); !ok {
			t.Fatalf("report %d: %q", i+1, sc.Text())
		}
	}
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("3 reports in %v: faster than every 20 ms", d)
	}
}
