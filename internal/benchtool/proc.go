package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// A process tree's figures, read from /proc: a browser is many processes,
// a Confer client one, and both are measured the same way.

// descendants returns root and every process below it, root first. A
// process that exits while /proc is walked is simply left out.
func descendants(root int) []int {
	children := map[int][]int{}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range paths {
		pid, ppid, ok := readPPID(p)
		if ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	return walkTree(root, children)
}

func walkTree(root int, children map[int][]int) []int {
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

func readPPID(statPath string) (pid, ppid int, ok bool) {
	data, err := os.ReadFile(statPath)
	if err != nil {
		return 0, 0, false
	}
	f := statFields(data)
	if len(f) < 2 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.Fields(string(data))[0])
	ppid, err2 := strconv.Atoi(f[1])
	return pid, ppid, err1 == nil && err2 == nil
}

// statFields are /proc/PID/stat's fields after the command name, which may
// hold spaces and parentheses: field 3 (state) is statFields[0].
func statFields(data []byte) []string {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 > len(data) {
		return nil
	}
	return strings.Fields(string(data[i+2:]))
}

// cpuOf maps each of pids to its CPU seconds so far; gone ones are left out.
func cpuOf(pids []int) map[int]float64 {
	out := map[int]float64{}
	for _, pid := range pids {
		if s, err := procCPUSeconds(pid); err == nil {
			out[pid] = s
		}
	}
	return out
}

// cpuBetween is the CPU seconds spent between two cpuOf readings. A process
// born in between counts from zero; one that died in between is lost, which
// a steady call barely has.
func cpuBetween(before, after map[int]float64) float64 {
	sum := 0.0
	for pid, s := range after {
		sum += s - before[pid]
	}
	return sum
}

// memory of a set of processes, in MB: resident (shared pages counted in
// every process that maps them) and proportional (shared pages split
// between the processes sharing them, so a sum over processes is fair).
type memory struct{ rssMB, pssMB float64 }

func memoryOf(pids []int) (memory, error) {
	var m memory
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue // exited
		}
		one, err := parseRollup(data)
		if err != nil {
			return m, fmt.Errorf("pid %d: %v", pid, err)
		}
		m.rssMB += one.rssMB
		m.pssMB += one.pssMB
	}
	return m, nil
}

// parseRollup reads the Rss and Pss lines (kB) of /proc/PID/smaps_rollup.
func parseRollup(data []byte) (memory, error) {
	var m memory
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || (f[0] != "Rss:" && f[0] != "Pss:") {
			continue
		}
		kb, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return m, err
		}
		if f[0] == "Rss:" {
			m.rssMB = kb / 1024
		} else {
			m.pssMB = kb / 1024
		}
		seen++
	}
	if seen != 2 {
		return m, fmt.Errorf("no Rss and Pss lines in smaps_rollup")
	}
	return m, nil
}

// withArg returns the processes one of whose arguments is arg.
func withArg(arg string) []int {
	var out []int
	paths, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte(arg)) {
			continue
		}
		for _, a := range bytes.Split(data, []byte{0}) {
			if string(a) == arg {
				pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
				out = append(out, pid)
				break
			}
		}
	}
	return out
}
