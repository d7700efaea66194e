// Command firstdiff tells why two builds of the same targets differ, from Bazel's execution logs
// (--execution_log_json_file) of both: the first action whose outputs differ, and what differs
// about it — its inputs, command line or environment, or nothing (the action itself is not
// deterministic).
//
// Usage:
//
//	firstdiff [--max N] A.json B.json
//
// Actions are matched by their listed outputs. An action whose outputs differ although every
// input, argument and environment variable is the same is where a difference starts (a root
// cause); one whose inputs differ is a consequence. Root causes are printed first, in the order
// build A ran them, then the number of consequences and of actions only one build ran.
//
// Exit status: 0 when every output of every action matched, 1 when outputs differ, 2 when a log
// cannot be read.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// digest and file mirror the execution log's JSON (Bazel's SpawnExec message).
type digest struct {
	Hash      string `json:"hash"`
	SizeBytes string `json:"sizeBytes"`
}

type file struct {
	Path          string  `json:"path"`
	Digest        *digest `json:"digest"`
	SymlinkTarget string  `json:"symlinkTargetPath"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type spawn struct {
	CommandArgs   []string `json:"commandArgs"`
	Environment   []envVar `json:"environmentVariables"`
	Inputs        []file   `json:"inputs"`
	ListedOutputs []string `json:"listedOutputs"`
	ActualOutputs []file   `json:"actualOutputs"`
	Mnemonic      string   `json:"mnemonic"`
	TargetLabel   string   `json:"targetLabel"`
	Runner        string   `json:"runner"`

	order int // position in its log
}

// key identifies the same action in both builds: its listed outputs.
func (s *spawn) key() string {
	outs := append([]string(nil), s.ListedOutputs...)
	sort.Strings(outs)
	return strings.Join(outs, "\n")
}

func (s *spawn) name() string {
	label := s.TargetLabel
	if label == "" {
		label = "(no target)"
	}
	return fmt.Sprintf("%s %s", s.Mnemonic, label)
}

// content names what a file holds: its digest, or where a symlink points.
func (f file) content() string {
	switch {
	case f.Digest != nil:
		return f.Digest.Hash
	case f.SymlinkTarget != "":
		return "symlink to " + f.SymlinkTarget
	}
	return "(no digest)"
}

func files(fs []file) map[string]string {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		m[f.Path] = f.content()
	}
	return m
}

// readLog reads a JSON execution log: a stream of SpawnExec objects.
func readLog(path string) (map[string]*spawn, []*spawn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	byKey := map[string]*spawn{}
	var all []*spawn
	dec := json.NewDecoder(f)
	for {
		s := &spawn{order: len(all)}
		if err := dec.Decode(s); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("%s: not a Bazel JSON execution log (--execution_log_json_file): spawn %d: %v", path, len(all)+1, err)
		}
		if len(s.ListedOutputs) == 0 {
			continue // nothing to compare
		}
		byKey[s.key()] = s
		all = append(all, s)
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s: no action in the log (was the build fully cached? build with --disk_cache= in a fresh output base)", path)
	}
	return byKey, all, nil
}

// changes lists "path: a -> b" for every key whose value differs between a and b.
func changes(a, b map[string]string) []string {
	var out []string
	for k, va := range a {
		vb, ok := b[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: only in build A", k))
		case va != vb:
			out = append(out, fmt.Sprintf("%s: %s (A) vs %s (B)", k, short(va), short(vb)))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s: only in build B", k))
		}
	}
	sort.Strings(out)
	return out
}

func short(h string) string {
	if len(h) == 64 {
		return h[:16] + "…"
	}
	return h
}

func env(vs []envVar) map[string]string {
	m := map[string]string{}
	for _, v := range vs {
		m[v.Name] = v.Value
	}
	return m
}

func args(as []string) map[string]string {
	m := map[string]string{}
	for i, a := range as {
		m[fmt.Sprintf("argument %d", i)] = a
	}
	return m
}

type difference struct {
	a, b     *spawn
	outputs  []string
	inputs   []string
	commands []string
}

func firstDiff(w io.Writer, pathA, pathB string, max int) (bool, error) {
	a, orderA, err := readLog(pathA)
	if err != nil {
		return false, err
	}
	b, _, err := readLog(pathB)
	if err != nil {
		return false, err
	}
	var roots, consequences []difference
	onlyA, onlyB, same := 0, 0, 0
	for _, sa := range orderA {
		sb, ok := b[sa.key()]
		if !ok {
			onlyA++
			continue
		}
		d := difference{a: sa, b: sb, outputs: changes(files(sa.ActualOutputs), files(sb.ActualOutputs))}
		if len(d.outputs) == 0 {
			same++
			continue
		}
		d.inputs = changes(files(sa.Inputs), files(sb.Inputs))
		d.commands = append(changes(args(sa.CommandArgs), args(sb.CommandArgs)), changes(env(sa.Environment), env(sb.Environment))...)
		if len(d.inputs) == 0 {
			roots = append(roots, d)
		} else {
			consequences = append(consequences, d)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			onlyB++
		}
	}
	if len(roots)+len(consequences) == 0 {
		fmt.Fprintf(w, "firstdiff: all %d actions both builds ran have identical outputs", same)
		if onlyA+onlyB > 0 {
			fmt.Fprintf(w, " (%d ran only in A, %d only in B: cached in the other build?)", onlyA, onlyB)
		}
		fmt.Fprintln(w)
		return false, nil
	}
	fmt.Fprintf(w, "firstdiff: %d of %d actions have outputs that differ: %d where the difference starts, %d that only inherit it\n",
		len(roots)+len(consequences), len(roots)+len(consequences)+same, len(roots), len(consequences))
	if len(roots) == 0 {
		// every differing action has differing inputs: the first one's inputs come from outside
		// the logs (source files, or actions only one build ran)
		fmt.Fprintln(w, "no action with identical inputs differs: the first differing action's inputs differ at their source")
		roots = consequences[:1]
	}
	for i, d := range roots {
		if i == max {
			fmt.Fprintf(w, "... and %d more where a difference starts\n", len(roots)-max)
			break
		}
		title := "FIRST DIFFERING ACTION"
		if i > 0 {
			title = fmt.Sprintf("A DIFFERENCE ALSO STARTS AT (#%d)", i+1)
		}
		fmt.Fprintf(w, "\n%s: %s (runner: %s vs %s)\n", title, d.a.name(), d.a.Runner, d.b.Runner)
		printList(w, "outputs that differ", d.outputs, max)
		switch {
		case len(d.inputs) > 0:
			printList(w, "inputs that differ", d.inputs, max)
		case len(d.commands) > 0:
			printList(w, "inputs identical; command line or environment differ", d.commands, max)
		default:
			fmt.Fprintln(w, "  inputs, command line and environment identical: the action itself is not deterministic")
		}
		fmt.Fprintf(w, "  command: %s\n", clip(strings.Join(d.a.CommandArgs, " "), 400))
	}
	if len(consequences) > 0 {
		fmt.Fprintf(w, "\n%d actions differ because their inputs do, e.g. %s:\n", len(consequences), consequences[0].a.name())
		printList(w, "inputs that differ", consequences[0].inputs, max)
	}
	if onlyA+onlyB > 0 {
		fmt.Fprintf(w, "\n%d actions ran only in build A, %d only in build B\n", onlyA, onlyB)
	}
	return true, nil
}

func printList(w io.Writer, title string, items []string, max int) {
	fmt.Fprintf(w, "  %s:\n", title)
	for i, it := range items {
		if i == max {
			fmt.Fprintf(w, "    ... and %d more\n", len(items)-max)
			break
		}
		fmt.Fprintf(w, "    %s\n", clip(it, 300))
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func main() {
	fs := flag.NewFlagSet("firstdiff", flag.ContinueOnError)
	max := fs.Int("max", 10, "list at most this many actions, inputs or outputs per section")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: firstdiff [--max N] A.json B.json

Tells why two builds of the same targets differ, from Bazel's JSON execution logs
(--execution_log_json_file) of both: prints the first action whose outputs differ although its
inputs do not (where the difference starts), what differs about it (inputs, command line,
environment, or nothing: a non-deterministic action), and how many actions only inherit it.
Exit status: 0 no output differs, 1 outputs differ, 2 a log cannot be read.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() != 2 || *max < 1 {
		fmt.Fprintln(os.Stderr, "firstdiff: want two execution logs (and --max ≥ 1); see --help")
		os.Exit(2)
	}
	differ, err := firstDiff(os.Stdout, fs.Arg(0), fs.Arg(1), *max)
	if err != nil {
		fmt.Fprintln(os.Stderr, "firstdiff:", err)
		os.Exit(2)
	}
	if differ {
		os.Exit(1)
	}
}
