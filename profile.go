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

// profileHeap writes a heap profile at the end of the run to the file
// named by CONFER_MEMPROFILE, when set: what the window's memory is
// (`go tool pprof -sample_index=inuse_space bin/confer FILE`).
func profileHeap() {
	path := os.Getenv("CONFER_MEMPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.Lookup("heap").WriteTo(f, 0)
}
