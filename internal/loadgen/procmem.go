package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// MemSample is the memory of a process tree at one moment.
type MemSample struct {
	// Bytes adds up the proportional set size (PSS) of every process of
	// the tree: a page shared by k processes counts 1/k in each, so a
	// server of many processes sharing libraries is neither over- nor
	// under-counted. Where smaps_rollup is unreadable, the resident set
	// size (VmRSS) is used instead and Source says "rss".
	Bytes int64
	// Procs is the number of processes in the tree.
	Procs int
	// Source is "pss", "rss" or "pss+rss".
	Source string
}

// procRoot is /proc; tests may point it elsewhere.
var procRoot = "/proc"

// TreeMemory measures the process pid and all its descendants, found
// through the parent ids in /proc/<pid>/stat (Linux only). A process
// that exits while it is measured is left out.
func TreeMemory(pid int) (MemSample, error) {
	if pid <= 0 {
		return MemSample{}, fmt.Errorf("loadgen: process id %d", pid)
	}
	ents, err := os.ReadDir(procRoot)
	if err != nil {
		return MemSample{}, err
	}
	children := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			children[pp] = append(children[pp], p)
		}
	}
	if _, err := os.Stat(filepath.Join(procRoot, strconv.Itoa(pid))); err != nil {
		return MemSample{}, fmt.Errorf("loadgen: no process %d: %w", pid, err)
	}
	var s MemSample
	var pss, rss bool
	queue := []int{pid}
	for len(queue) > 0 && s.Procs < maxUsers {
		p := queue[0]
		queue = append(queue[1:], children[p]...)
		b, src, ok := processMemory(p)
		if !ok {
			continue
		}
		s.Bytes += b
		s.Procs++
		pss, rss = pss || src == "pss", rss || src == "rss"
	}
	switch {
	case pss && rss:
		s.Source = "pss+rss"
	case rss:
		s.Source = "rss"
	default:
		s.Source = "pss"
	}
	if s.Procs == 0 {
		return s, fmt.Errorf("loadgen: process %d is gone", pid)
	}
	return s, nil
}

// parentOf reads the parent id from /proc/<pid>/stat: "pid (comm) state
// ppid ...", where comm may hold spaces and parentheses.
func parentOf(pid int) (int, bool) {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// processMemory returns one process's PSS, or its RSS when smaps_rollup
// cannot be read, in bytes.
func processMemory(pid int) (int64, string, bool) {
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	if kb, err := kbField(filepath.Join(dir, "smaps_rollup"), "Pss:"); err == nil {
		return kb << 10, "pss", true
	}
	if kb, err := kbField(filepath.Join(dir, "status"), "VmRSS:"); err == nil {
		return kb << 10, "rss", true
	}
	return 0, "", false
}

// errNoField is returned when a /proc file lacks the field sought (a
// zombie's status has no VmRSS).
var errNoField = errors.New("field not found")

// kbField reads "Name:   123 kB" from a /proc file.
func kbField(path, name string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if v, ok := strings.CutPrefix(l, name); ok {
			fs := strings.Fields(v)
			if len(fs) == 0 {
				break
			}
			return strconv.ParseInt(fs[0], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errNoField
}
