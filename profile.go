package main

import (
	"os"
	"runtime/pprof"
)

// profileCPU writes a CPU profile of the whole run to the file named by
// CONFER_CPUPROFILE, when set: how the window's cost is found
// (`go tool pprof bin/confer FILE`). It returns what stops it.
func profileCPU() func() {
	path := os.Getenv("CONFER_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
