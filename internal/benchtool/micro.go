package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"regexp"
	"strconv"
)

// microResult is one Go benchmark's time per operation.
type microResult struct {
	name   string
	msOp   float64
	allocs string
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op.*?(\d+) allocs/op`)

// microBenchmarks runs the per-frame benchmarks of the media packages.
func microBenchmarks() ([]microResult, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchtime", "100x", "-benchmem",
		"./media/codec/", "./media/synth/", "./media/e2ee/", "./media/apm/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, &exec.ExitError{Stderr: out}
	}
	var res []microResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		res = append(res, microResult{name: m[1], msOp: ns / 1e6, allocs: m[4]})
	}
	return res, nil
}
