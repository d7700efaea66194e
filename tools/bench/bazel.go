package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// bazel runs tools/bazel (of workspace ws) in dir and returns its standard output; a failure
// names the command and ends with the last lines Bazel wrote.
func bazel(ws, dir string, args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(ws, "tools/bazel"), args...)
	cmd.Dir = dir
	var out, errs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("tools/bazel %s (in %s): %v\n%s", strings.Join(args, " "), dir, err, tail(errs.String(), 20))
	}
	return strings.TrimSpace(out.String()), nil
}

// filesOf are the files Bazel builds (or has) for label, as paths relative to the execution
// root; a source file of an external repository is external/<repo>/..., which is where the
// output base keeps it.
func filesOf(ws, label string) ([]string, error) {
	out, err := bazel(ws, ws, "cquery", "--output=files", label)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, fmt.Errorf("bazel names no files for %s", label)
	}
	return strings.Split(out, "\n"), nil
}

// common runs one function of tools/setup.d/common.sh (the machine's state directories, scratch
// workspaces) with args, and returns what it prints.
func common(ws, fn string, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{"-c", `. "$0/tools/setup.d/common.sh" && "$@"`, ws, fn}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v", fn, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
