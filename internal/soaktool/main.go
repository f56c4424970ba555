// Command soaktool holds a four-party call through `confer serve` for a
// long time and writes what each process reported of itself to
// docs/SOAK.md. `make soak DURATION=30m` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"confer/internal/soak"
)

func main() {
	var cfg soak.Config
	flag.StringVar(&cfg.Bin, "bin", "bin/confer", "the confer binary")
	flag.DurationVar(&cfg.Duration, "duration", 30*time.Minute, "how long the call lasts")
	flag.DurationVar(&cfg.Every, "every", time.Minute, "how often each process reports")
	flag.DurationVar(&cfg.Warmup, "warmup", 5*time.Minute, "growth counts from the first report after this")
	out := flag.String("out", "docs/SOAK.md", "where to write the report")
	verbose := flag.Bool("v", false, "show what the processes print")
	flag.Parse()
	if *verbose {
		cfg.Log = os.Stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(os.Stderr, "soak: a %d-party call for %s, a report every %s\n", 4, cfg.Duration, cfg.Every)
	r, err := soak.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	md := r.Markdown(fmt.Sprintf("make soak DURATION=%s", cfg.Duration))
	if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	fmt.Print(md)
}
