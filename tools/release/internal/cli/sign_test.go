package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sign writes every signature or none: when writing file N+1's fails, the first N files get
// no signature and a signature there before is left as it was.
func TestSignIsAllOrNothing(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(t.TempDir(), "cosign")
	pw := map[string]string{"COSIGN_PASSWORD": "pw"}
	mustRun(t, pw, "keygen", "--output-prefix", keys)
	var files []string
	for _, n := range []string{"a.tar.zst", "b.tar.zst", "c.tar.zst"} {
		files = append(files, filepath.Join(dir, n))
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(files[0]+".sig", []byte("an older signature\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// c's signature cannot be written: a directory is in its place
	if err := os.Mkdir(files[2]+".sig", 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, pw, append([]string{"sign", "--key", keys + ".key"}, files...)...)
	if code != ExitFailure || !strings.Contains(errOut, files[2]+".sig is a directory") {
		t.Errorf("sign with c.tar.zst.sig a directory: exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, "signed") {
		t.Errorf("stdout says something was signed:\n%s", out)
	}
	if data, _ := os.ReadFile(files[0] + ".sig"); string(data) != "an older signature\n" {
		t.Errorf("a.tar.zst.sig changed to %q", data)
	}
	if _, err := os.Lstat(files[1] + ".sig"); !os.IsNotExist(err) {
		t.Errorf("b.tar.zst.sig was written (%v) though signing c.tar.zst failed", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the directory holds %v, want the 3 files, a.tar.zst.sig and c.tar.zst.sig/", names)
	}

	// with the obstacle gone, all three are signed and verify
	if err := os.Remove(files[2] + ".sig"); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, pw, append([]string{"sign", "--key", keys + ".key"}, files...)...); strings.Count(out, "signed ") != 3 {
		t.Errorf("sign: %s", out)
	}
	mustRun(t, nil, append([]string{"verify", "--key", keys + ".pub"}, files...)...)
}
