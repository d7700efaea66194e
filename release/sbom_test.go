package release_test

import (
	"encoding/json"
	"flag"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	sbomFlags  archives
	spdxSchema = flag.String("spdx-schema", "", "rlocationpath of the SPDX 2.3 JSON schema")
)

func init() {
	flag.Var(&sbomFlags, "sbom", "GOARCH:RLOCATIONPATH of one architecture's SBOM (repeatable)")
}

type sbom struct {
	SPDXVersion string `json:"spdxVersion"`
	Packages    []struct {
		SPDXID                string `json:"SPDXID"`
		Name                  string `json:"name"`
		VersionInfo           string `json:"versionInfo"`
		PrimaryPackagePurpose string `json:"primaryPackagePurpose"`
		LicenseDeclared       string `json:"licenseDeclared"`
		SourceInfo            string `json:"sourceInfo"`
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
			components, licenses := map[string]string{}, map[string]string{}
			for _, pk := range doc.Packages {
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
			for _, line := range strings.Split(strings.TrimSpace(run(t, dir, nil, "tar", "--zstd", "-tvf", rlocation(t, archivesByArch[arch]))), "\n") {
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
			// the tool itself, at the pinned version, and the toolchain's libc
			if components[toolModule] != version {
				t.Errorf("component %s has version %q, want %s", toolModule, components[toolModule], version)
			}
			// upstream's license, as classified from its LICENSE (go.licenses)
			if licenses[toolModule] != "Apache-2.0" {
				t.Errorf("component %s has license %q, want Apache-2.0", toolModule, licenses[toolModule])
			}
			if components["zig"] == "" {
				t.Error("the toolchain (zig: musl, compiler_rt) is not listed")
			}
		})
	}
}
