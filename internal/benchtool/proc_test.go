package main

import (
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

func TestWalkTreeFindsEveryGeneration(t *testing.T) {
	children := map[int][]int{1: {10, 11}, 10: {100}, 100: {1000}, 2: {20}}
	got := walkTree(10, children)
	if !slices.Equal(got, []int{10, 100, 1000}) {
		t.Fatalf("tree of 10: %v", got)
	}
}

func TestDescendantsOfARealProcess(t *testing.T) {
	// A shell with two children that wait on its standard input.
	sh := exec.Command("sh", "-c", "exec 3<&0; cat <&3 & cat <&3 & wait")
	in, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); _ = sh.Wait() }()
	for range 200 {
		if got := descendants(sh.Process.Pid); len(got) == 3 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("descendants of sh: %v, want sh and two cats", descendants(sh.Process.Pid))
}

func TestCPUBetweenCountsNewbornsFromZero(t *testing.T) {
	before := map[int]float64{1: 2.0, 2: 5.0, 3: 1.0} // 3 dies
	after := map[int]float64{1: 2.5, 2: 6.0, 4: 0.25} // 4 is born
	if got := cpuBetween(before, after); got != 1.75 {
		t.Fatalf("cpuBetween = %v, want 1.75", got)
	}
}

func TestParseRollup(t *testing.T) {
	data := []byte(`55d0c0a00000-7ffd6b3f9000 ---p 00000000 00:00 0                          [rollup]
Rss:              204800 kB
Pss:              102400 kB
Pss_Dirty:         51200 kB
Shared_Clean:      10240 kB
`)
	m, err := parseRollup(data)
	if err != nil || m.rssMB != 200 || m.pssMB != 100 {
		t.Fatalf("parseRollup = %+v, %v; want 200 and 100 MB", m, err)
	}
	if _, err := parseRollup([]byte("Rss: 1 kB\n")); err == nil {
		t.Fatal("a rollup without Pss was accepted")
	}
}

func TestMemoryOfThisProcess(t *testing.T) {
	m, err := memoryOf([]int{os.Getpid()})
	if err != nil || m.rssMB < 1 || m.pssMB < 1 || m.pssMB > m.rssMB+0.01 {
		t.Fatalf("memory of the test process: %+v, %v", m, err)
	}
}

func TestWithArgFindsAProcessByItsArgument(t *testing.T) {
	arg := "--database=" + t.TempDir()
	sh := exec.Command("sh", "-c", "cat; true", "sh", arg) // "; true": sh must not exec cat
	in, err := sh.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { in.Close(); _ = sh.Wait() }()
	got := withArg(arg)
	if !slices.Equal(got, []int{sh.Process.Pid}) {
		t.Fatalf("withArg(%q) = %v, want [%d]", arg, got, sh.Process.Pid)
	}
}
