package release_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

var (
	sbomFlags  archtest.ListFlag
	spdxSchema = flag.String("spdx-schema", "", "rlocationpath of the SPDX 2.3 JSON schema")
)

func init() {
	flag.Var(&sbomFlags, "sbom", "GOARCH:RLOCATIONPATH of one architecture's SBOM (repeatable)")
}

type sbom struct {
	SPDXVersion       string   `json:"spdxVersion"`
	DocumentDescribes []string `json:"documentDescribes"`
	Packages          []struct {
		SPDXID                string `json:"SPDXID"`
		Name                  string `json:"name"`
		VersionInfo           string `json:"versionInfo"`
		PrimaryPackagePurpose string `json:"primaryPackagePurpose"`
		LicenseDeclared       string `json:"licenseDeclared"`
		SourceInfo            string `json:"sourceInfo"`
		DownloadLocation      string `json:"downloadLocation"`
		Checksums             []struct {
			Algorithm, ChecksumValue string
		} `json:"checksums"`
	} `json:"packages"`
	Relationships []struct {
		SPDXElementID, RelationshipType, RelatedSPDXElement string
	} `json:"relationships"`
}

// Next to each archive, an SPDX 2.3 document that the official JSON schema accepts, listing
// exactly the archive's programs and, with versions, what they are built from.
func TestSBOM(t *testing.T) {
	if len(sbomFlags) == 0 || *spdxSchema == "" {
		t.Fatal("no -sbom / -spdx-schema flags: run this test through its Bazel target")
	}
	f, err := os.Open(rlocation(t, *spdxSchema))
	if err != nil {
		t.Fatal(err)
	}
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	const id = "http://spdx.org/rdf/terms/2.3"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	archivesByArch := map[string]string{}
	for _, a := range archiveFlags {
		parts := strings.SplitN(a, ":", 3)
		archivesByArch[parts[0]] = parts[2]
	}
	// the tool's module and version: the one direct requirement of its go.mod
	var toolModule, version string
	gm, err := os.ReadFile(rlocation(t, *gomod))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(gm), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "require" {
			toolModule, version = f[1], strings.TrimPrefix(f[2], "v")
		}
	}
	if toolModule == "" {
		t.Fatal("no direct requirement in the tool's go.mod")
	}
	for _, s := range sbomFlags {
		arch, rloc, _ := strings.Cut(s, ":")
		t.Run(arch, func(t *testing.T) {
			p := rlocation(t, rloc)
			if want := "-linux-" + arch + ".spdx.json"; !strings.HasSuffix(p, want) {
				t.Errorf("SBOM %s is not named *%s", path.Base(p), want)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("%s does not validate against the SPDX 2.3 schema: %v", path.Base(p), err)
			}
			var doc sbom
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			// the programs it lists are exactly the archive's executables
			var listed, inArchive []string
			sums := map[string]string{} // archive or program (path in the archive) -> its SHA256 in the SBOM
			pins := archtest.Pins(t)
			components, licenses := map[string]string{}, map[string]string{}
			for _, pk := range doc.Packages {
				var sha256s []string
				for _, c := range pk.Checksums {
					if c.Algorithm == "SHA256" {
						sha256s = append(sha256s, c.ChecksumValue)
					}
				}
				if strings.HasPrefix(pk.SPDXID, "SPDXRef-Archive-") || pk.PrimaryPackagePurpose == "APPLICATION" {
					if len(sha256s) != 1 {
						t.Errorf("%s: %d SHA256 checksums, want 1", pk.Name, len(sha256s))
					} else {
						sums[pk.Name] = sha256s[0]
					}
				}
				// a pinned part: its version, license and upstream archive's sha256 are its pin's
				if name, ok := strings.CutPrefix(pk.SPDXID, "SPDXRef-Pin-"); ok {
					pin, err := pins.Pin(pk.Name)
					var urls []string
					if err == nil {
						urls = pin.URLs()
					}
					switch {
					case err != nil:
						t.Errorf("package %s (%s): %v", pk.Name, name, err)
					case pk.VersionInfo != pin.Version() || pk.LicenseDeclared != pin.License():
						t.Errorf("pin %s: version %q license %q in the SBOM, want the pin's %q, %q", pk.Name, pk.VersionInfo, pk.LicenseDeclared, pin.Version(), pin.License())
					case pin.SHA256() != "" && (len(sha256s) != 1 || sha256s[0] != pin.SHA256()):
						t.Errorf("pin %s: SHA256 %v in the SBOM, want the pin's %s", pk.Name, sha256s, pin.SHA256())
					case len(urls) > 0 && pk.DownloadLocation != urls[0]:
						t.Errorf("pin %s: download location %q in the SBOM, want the pin's first URL %q", pk.Name, pk.DownloadLocation, urls[0])
					}
				}
				switch pk.PrimaryPackagePurpose {
				case "APPLICATION":
					listed = append(listed, pk.Name)
				case "SOURCE", "LIBRARY":
					components[pk.Name] = pk.VersionInfo
					licenses[pk.Name] = pk.LicenseDeclared
					if strings.HasPrefix(pk.SPDXID, "SPDXRef-Go-") && pk.LicenseDeclared == "NOASSERTION" && !strings.Contains(pk.SourceInfo, "no license recognized") {
						t.Errorf("Go module %s %s: no license and no note why", pk.Name, pk.VersionInfo)
					}
					if strings.HasPrefix(pk.SPDXID, "SPDXRef-Crate-") {
						// a crate's license is its manifest's, or the note says why there is none;
						// crates only other systems need (stubbed, never compiled) are not listed
						if pk.LicenseDeclared == "NOASSERTION" && !strings.Contains(pk.SourceInfo, "license") {
							t.Errorf("crate %s %s: no declared license and no note why", pk.Name, pk.VersionInfo)
						}
						if strings.HasPrefix(pk.Name, "windows") || strings.HasPrefix(pk.Name, "winapi") {
							t.Errorf("crate %s %s (Windows only) is listed", pk.Name, pk.VersionInfo)
						}
					}
					// a checksum, or where there is none (Go modules: go.sum's h1:) what stands instead
					if pk.VersionInfo == "" || len(pk.Checksums) == 0 && pk.SourceInfo == "" {
						t.Errorf("component %s: no version, or neither a checksum nor a source note", pk.Name)
					}
				}
			}
			dir := t.TempDir()
			archive := rlocation(t, archivesByArch[arch])
			// the archive's checksum is the archive's, and it is what the document describes
			if name := path.Base(archive); len(doc.DocumentDescribes) != 1 || doc.DocumentDescribes[0] != "SPDXRef-Archive-"+name {
				t.Errorf("the SBOM describes %v, want the archive SPDXRef-Archive-%s", doc.DocumentDescribes, name)
			} else if got, want := sums[name], sha256File(t, archive); got != want {
				t.Errorf("the SBOM's SHA256 of %s is %q, the file's is %s", name, got, want)
			}
			for _, line := range strings.Split(strings.TrimSpace(run(t, dir, nil, "tar", "--zstd", "-tvf", archive)), "\n") {
				f := strings.Fields(line)
				if len(f) >= 6 && strings.HasPrefix(f[0], "-") && strings.Contains(f[0][1:4]+f[0][4:7]+f[0][7:10], "x") {
					inArchive = append(inArchive, f[5])
				}
			}
			sort.Strings(listed)
			sort.Strings(inArchive)
			if strings.Join(listed, "\n") != strings.Join(inArchive, "\n") {
				t.Errorf("SBOM programs:\n%s\nthe archive's executables:\n%s", strings.Join(listed, "\n"), strings.Join(inArchive, "\n"))
			}
			// each program's checksum is that of the file the archive holds
			run(t, dir, nil, "tar", "--zstd", "-xf", archive)
			for _, p := range listed {
				if got, want := sums[p], sha256File(t, filepath.Join(dir, p)); got != want {
					t.Errorf("the SBOM's SHA256 of %s is %q, the archive's file's is %s", p, got, want)
				}
			}
			// the tool itself, at the pinned version, and the toolchain's libc
			if components[toolModule] != version {
				t.Errorf("component %s has version %q, want %s", toolModule, components[toolModule], version)
			}
			// upstream's license, as classified from its LICENSE (the tool's go.licenses)
			if want := moduleLicense(t, toolModule, version); licenses[toolModule] != want {
				t.Errorf("component %s has license %q, want %q (%s)", toolModule, licenses[toolModule], want, path.Join(path.Dir(*gomod), "go.licenses"))
			}
			if components["zig"] == "" {
				t.Error("the toolchain (zig: musl, compiler_rt) is not listed")
			}
		})
	}
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// moduleLicense returns the license the tool's go.licenses (beside its go.mod, written by
// tools/release bump) records for module@version.
func moduleLicense(t *testing.T, module, version string) string {
	t.Helper()
	p := path.Join(path.Dir(*gomod), "go.licenses")
	data, err := os.ReadFile(rlocation(t, p))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == module && f[1] == "v"+version {
			return strings.Join(f[2:], " ")
		}
	}
	t.Fatalf("%s has no line for %s v%s", p, module, version)
	return ""
}
