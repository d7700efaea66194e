// Package bundles reads bundles.json, the one list of the archives each
// tool's release carries, which `bazel build //release:all` writes beside the
// archives (bazel-bin/release/), and checks what an archive holds.
package bundles

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/severity"
)

// FileName is the manifest's name in a release directory.
const FileName = "bundles.json"

// Manifest is a loaded bundles.json: tool name → its archives' file names, sorted.
type Manifest struct {
	Path  string
	Tools map[string][]string
}

// PathIn is the manifest a command reads for release directory dir: override
// (its --bundles flag) if given, else dir/bundles.json.
func PathIn(dir, override string) string {
	if override != "" {
		return override
	}
	return filepath.Join(dir, FileName)
}

// Load reads and checks a bundles.json.
func Load(file string) (*Manifest, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: it lists the archives to release, and `bazel build //release:all` writes it "+
			"beside them (bazel-bin/release/); build //release:all first, and keep %s with the archives (or give --bundles FILE)", file, FileName)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the archive list: %w", err)
	}
	tools, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &Manifest{Path: file, Tools: tools}, nil
}

// Parse decodes and checks the manifest: a JSON object mapping each tool to a
// non-empty list of distinct archive file names <tool>-*.tar.zst.
func Parse(data []byte) (map[string][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var tools map[string][]string
	if err := dec.Decode(&tools); err != nil {
		return nil, fmt.Errorf(`malformed archive list (want {"tool": ["archive.tar.zst", ...], ...}): %w`, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New(`malformed archive list: more after the JSON object`)
	}
	if tools == nil {
		return nil, errors.New(`malformed archive list: want {"tool": ["archive.tar.zst", ...], ...}, not null`)
	}
	seen := map[string]string{}
	for tool, archives := range tools {
		if len(archives) == 0 {
			return nil, fmt.Errorf("tool %q has no archives", tool)
		}
		for _, a := range archives {
			if a != path.Base(a) || strings.ContainsAny(a, `/\`) || !strings.HasPrefix(a, tool+"-") || !IsArchive(a) && !IsSBOM(a) && !IsVEX(a) {
				return nil, fmt.Errorf("tool %q: archive %q is not a file name %s-*.tar.zst (or its SBOM, %s-*.spdx.json, or its OpenVEX document, %s-*.openvex.json)", tool, a, tool, tool, tool)
			}
			if other, dup := seen[a]; dup {
				return nil, fmt.Errorf("archive %s is listed twice (tools %q and %q)", a, other, tool)
			}
			seen[a] = tool
		}
		sort.Strings(archives)
	}
	return tools, nil
}

// IsArchive tells a release archive (.tar.zst) from the other files a release carries.
func IsArchive(name string) bool { return strings.HasSuffix(name, ".tar.zst") }

// IsSBOM tells an archive's SBOM (SPDX JSON, written beside it by //release:all).
func IsSBOM(name string) bool { return strings.HasSuffix(name, ".spdx.json") }

// IsVEX tells an archive's OpenVEX document (written beside it by //release:all when the
// vulnerability gate passed).
func IsVEX(name string) bool { return strings.HasSuffix(name, ".openvex.json") }

// Archives returns the tool's release files — its archives, their SBOMs and OpenVEX documents — sorted.
func (m *Manifest) Archives(tool string) ([]string, error) {
	a, ok := m.Tools[tool]
	if !ok {
		var known []string
		for t := range m.Tools {
			known = append(known, t)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("%s lists no archives of %s (it lists %s): does //release:all build %s's bundles, and is %s from the same build?",
			m.Path, tool, strings.Join(known, ", "), tool, FileName)
	}
	return append([]string(nil), a...), nil
}

// InDir returns the tool's archives, sorted, after checking that each is in
// dir (as anything: whether it is a regular file is for the caller to check).
func (m *Manifest) InDir(dir, tool string) ([]string, error) {
	archives, err := m.Archives(tool)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, a := range archives {
		if _, err := os.Lstat(filepath.Join(dir, a)); errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, a)
		} else if err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s lacks archives of %s: %s (%s lists them)", dir, tool, strings.Join(missing, ", "), m.Path)
	}
	return archives, nil
}

// CheckFile checks a release file of tool at version: an archive with CheckArchive; an SBOM is
// an SPDX 2.3 JSON document describing the archive it is named after; an OpenVEX document is
// about that archive, the very file beside it (its sha256).
func CheckFile(file, tool, version string) error {
	if IsVEX(file) {
		return checkVEX(file)
	}
	if !IsSBOM(file) {
		return CheckArchive(file, tool, version)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Name        string `json:"name"`
	}
	archive := strings.TrimSuffix(filepath.Base(file), ".spdx.json") + ".tar.zst"
	if err := json.Unmarshal(data, &doc); err != nil || doc.SPDXVersion != "SPDX-2.3" || doc.Name != archive {
		return fmt.Errorf("%s is not the SPDX 2.3 document of %s (spdxVersion %q, name %q, %v)", filepath.Base(file), archive, doc.SPDXVersion, doc.Name, err)
	}
	return nil
}

// CheckArchive opens the .tar.zst at file and checks that it holds what the
// release of tool at version must: every entry under the one top directory
// <tool>-v<version>/, and at least one program in its bin/. The error names
// the archive and, when the top directory is another version's, that version.
func CheckArchive(file, tool, version string) error {
	want := tool + "-v" + version
	name := filepath.Base(file)
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var tops []string
	seenTop := map[string]bool{}
	var escapes []string
	entries, programs := 0, 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s is not a zstd-compressed tar archive: %w", file, err)
		}
		entries++
		clean := strings.TrimSuffix(h.Name, "/")
		if clean == "" || strings.HasPrefix(clean, "/") || path.Clean(clean) != clean || clean == ".." || strings.HasPrefix(clean, "../") {
			escapes = append(escapes, h.Name)
			continue
		}
		top, rest, _ := strings.Cut(clean, "/")
		if !seenTop[top] {
			seenTop[top] = true
			tops = append(tops, top)
		}
		if prog, ok := strings.CutPrefix(rest, "bin/"); ok && prog != "" && !strings.Contains(prog, "/") &&
			h.Typeflag == tar.TypeReg && h.FileInfo().Mode().Perm()&0o111 != 0 {
			programs++
		}
	}
	switch {
	case len(escapes) > 0:
		return fmt.Errorf("%s has entries outside a top directory: %q", name, escapes)
	case entries == 0:
		return fmt.Errorf("%s is empty, not a release bundle holding %s/", name, want)
	case len(tops) > 1:
		sort.Strings(tops)
		return fmt.Errorf("%s has %d top directories (%s/), not exactly %s/", name, len(tops), strings.Join(tops, "/, "), want)
	case tops[0] != want:
		held, ok := strings.CutPrefix(tops[0], tool+"-v")
		if !ok {
			return fmt.Errorf("%s holds %s/, not %s/: it is not a %s %s bundle", name, tops[0], want, tool, version)
		}
		return fmt.Errorf("%s holds %s %s (top directory %s/), not %s %s: it was built from another pin than the version being released",
			name, tool, held, tops[0], tool, version)
	case programs == 0:
		return fmt.Errorf("%s holds no program in %s/bin/", name, want)
	}
	return nil
}

// checkVEX checks that file is an OpenVEX document whose every statement is about the archive
// it is named after, as it lies beside it, and that a release may carry it: no advisory still
// under investigation, none affected with a CVSS score of severity.Refused or more.
func checkVEX(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(filepath.Base(file), ".openvex.json")
	archive := filepath.Join(filepath.Dir(file), base+".tar.zst")
	var doc struct {
		Context    string `json:"@context"`
		ID         string `json:"@id"`
		Statements []struct {
			Vulnerability struct {
				Name string `json:"name"`
			} `json:"vulnerability"`
			Status          string `json:"status"`
			ActionStatement string `json:"action_statement"`
			Products        []struct {
				Hashes map[string]string `json:"hashes"`
			} `json:"products"`
		} `json:"statements"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || !strings.HasPrefix(doc.Context, "https://openvex.dev/ns") || !strings.HasSuffix(doc.ID, "/"+base) {
		return fmt.Errorf("%s is not the OpenVEX document of %s.tar.zst (@context %q, @id %q, %v)", filepath.Base(file), base, doc.Context, doc.ID, err)
	}
	sum, err := filehash.SHA256(archive)
	if err != nil {
		return fmt.Errorf("%s: its archive: %w", filepath.Base(file), err)
	}
	for i, st := range doc.Statements {
		for _, p := range st.Products {
			if p.Hashes["sha-256"] != sum {
				return fmt.Errorf("%s: statement %d is about an archive with sha256 %q, not %s.tar.zst (%s): written for another build", filepath.Base(file), i+1, p.Hashes["sha-256"], base, sum)
			}
		}
		if ok, why := severity.Publishable(st.Status, st.ActionStatement); !ok {
			return fmt.Errorf("%s: %s is %s: no release carries it", filepath.Base(file), st.Vulnerability.Name, why)
		}
	}
	return nil
}
