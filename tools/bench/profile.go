// Command profilesplit reads a Bazel JSON trace profile (--profile=FILE, gzipped or not) and
// prints where a build's time went on one line: the phases' wall time, the critical path, and
// the busy time of each kind of action (mnemonic), summed over its actions, largest first.
// tools/bench runs it on each cold build.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

type event struct {
	Cat  string  `json:"cat"`
	Name string  `json:"name"`
	Ph   string  `json:"ph"`
	Ts   float64 `json:"ts"`  // µs
	Dur  float64 `json:"dur"` // µs
	Args struct {
		Mnemonic string `json:"mnemonic"`
	} `json:"args"`
}

// split reads a Bazel JSON trace profile (--profile=FILE, gzipped or not) and returns where a
// build's time went on one line: the phases' wall time, the critical path, and the busy time of
// each kind of action (mnemonic), summed over its actions, largest first (the top kinds named,
// the rest summed as "other").
func split(path string, top int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return "", err
		}
		r = gz
	}
	var prof struct {
		TraceEvents []event `json:"traceEvents"`
	}
	if err := json.NewDecoder(r).Decode(&prof); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	var markers []event
	busy := map[string]float64{}
	count := map[string]int{}
	var critical, end float64
	for _, e := range prof.TraceEvents {
		if e.Ts+e.Dur > end {
			end = e.Ts + e.Dur
		}
		switch {
		case e.Cat == "build phase marker" && e.Ph == "i":
			markers = append(markers, e)
		case e.Cat == "action processing" && e.Args.Mnemonic != "":
			busy[e.Args.Mnemonic] += e.Dur
			count[e.Args.Mnemonic]++
		case e.Cat == "critical path component":
			critical += e.Dur
		}
	}
	if len(markers) == 0 {
		return "", fmt.Errorf("%s: no build phase markers: not a Bazel build's profile", path)
	}
	sort.Slice(markers, func(i, j int) bool { return markers[i].Ts < markers[j].Ts })
	var parts []string
	for i, m := range markers {
		next := end
		if i+1 < len(markers) {
			next = markers[i+1].Ts
		}
		if d := (next - m.Ts) / 1e6; d >= 0.5 {
			parts = append(parts, fmt.Sprintf("%s %.0f s", strings.ToLower(m.Name), d))
		}
	}
	parts = append(parts, fmt.Sprintf("critical path %.0f s", critical/1e6))
	kinds := make([]string, 0, len(busy))
	for k := range busy {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return busy[kinds[i]] > busy[kinds[j]] })
	var acts []string
	var other float64
	otherN := 0
	for i, k := range kinds {
		if i < top {
			acts = append(acts, fmt.Sprintf("%s %d× %.0f s", k, count[k], busy[k]/1e6))
		} else {
			other += busy[k]
			otherN += count[k]
		}
	}
	if otherN > 0 {
		acts = append(acts, fmt.Sprintf("other %d× %.0f s", otherN, other/1e6))
	}
	return strings.Join(parts, ", ") + "; actions' busy time: " + strings.Join(acts, ", "), nil
}
