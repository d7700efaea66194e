package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/filehash"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
)

// Offline is a pin's offline half for a new release: the fields to write, or
// why no registry we reach serves it.
type Offline struct {
	Fields  [][2]string // in the order pins.json gives them
	Missing string      // non-empty: not served; Fields is then the unavailable half
}

// OfflineFor finds the offline half of the pin's release version from the
// registry its present offline half names (the pin still holds the old
// release). Registries the check cannot ask (Debian) give Missing, not an error.
func (s *Sources) OfflineFor(ctx context.Context, pin *pins.Pin, version string) (Offline, error) {
	old := pin.Version()
	sub := func(key string) string { return strings.ReplaceAll(pin.Offline(key), old, version) }
	kind := pin.Offline("kind")
	switch kind {
	case "go-toolchain":
		module := sub("module")
		if s.o.GoProxy == "" {
			return unavailable(pin, version, "no Go module proxy is configured (GOPROXY) to fetch "+module+" from"), nil
		}
		sum, err := s.goModuleZip(ctx, module)
		if errors.Is(err, errNotFound) {
			return unavailable(pin, version, "the Go module proxy does not serve "+module), nil
		}
		if err != nil {
			return Offline{}, err
		}
		return Offline{Fields: [][2]string{{"kind", kind}, {"module", module}, {"file", sub("file")}, {"sha256", sum}, {"strip_prefix", sub("strip_prefix")}}}, nil
	case "pypi-wheel":
		name, _, _ := strings.Cut(pin.Offline("package"), "==")
		pkg := name + "==" + version
		file, sum, err := s.pipDownload(ctx, pkg, pin.Offline("platform"))
		if errors.Is(err, errNotFound) {
			return unavailable(pin, version, fmt.Sprintf("pip finds no wheel %s for %s", pkg, pin.Offline("platform"))), nil
		}
		if err != nil {
			return Offline{}, err
		}
		return Offline{Fields: [][2]string{{"kind", kind}, {"package", pkg}, {"platform", pin.Offline("platform")}, {"file", file}, {"sha256", sum}, {"strip_prefix", pin.Offline("strip_prefix")}}}, nil
	case "crate":
		name, _, _ := strings.Cut(pin.Offline("package"), "@")
		sum, err := s.crateChecksum(ctx, name, version)
		if errors.Is(err, errNotFound) {
			return unavailable(pin, version, "cargo finds no crate "+name+" "+version+" in the crate registry"), nil
		}
		if err != nil {
			return Offline{}, err
		}
		return Offline{Fields: [][2]string{{"kind", kind}, {"package", name + "@" + version}, {"file", sub("file")}, {"sha256", sum}, {"strip_prefix", sub("strip_prefix")}}}, nil
	case "debian-orig", "debian-source", "debian-binary":
		return unavailable(pin, version, fmt.Sprintf("%s %s was Debian's %s (%s); whether Debian packages %s is not looked up by the check: "+
			"fill this half by hand (package, file, sha256 from the signed index) once it does", pin.Name, old, pin.Offline("package"), kind, version)), nil
	case pins.Unavailable:
		return unavailable(pin, version, pin.Name+" "+old+" had no offline half either: "+pin.Offline("why")), nil
	}
	return unavailable(pin, version, fmt.Sprintf("offline kind %q is not looked up by the check", kind)), nil
}

// unavailable is the offline half of a release no registry we reach was
// found to serve. Its file is empty: nothing in the distfiles directory
// stands for it, and tools/setup stops on the kind instead of using another
// release's file.
func unavailable(pin *pins.Pin, version, why string) Offline {
	return Offline{
		Missing: why,
		Fields: [][2]string{{"kind", pins.Unavailable}, {"why", fmt.Sprintf("no registry we reach is known to serve %s %s: %s", pin.Name, version, why)},
			{"file", ""}, {"sha256", ""}, {"strip_prefix", ""}},
	}
}

// escapeModule is the Go module proxy's case encoding of a module path.
func escapeModule(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goProxyURL is the Go module proxy's URL of a file of module ("@latest", "@v/VERSION.zip": the
// version escaped already), the module path escaped as the proxy protocol says.
func (s *Sources) goProxyURL(module, file string) string {
	return strings.TrimSuffix(s.o.GoProxy, "/") + "/" + escapeModule(module) + "/" + file
}

// GoModuleLatest asks the Go module proxy for module's newest version.
func (s *Sources) GoModuleLatest(ctx context.Context, module string) (string, error) {
	if s.o.GoProxy == "" {
		return "", fmt.Errorf("%s: no Go module proxy to ask", module)
	}
	data, err := s.get(ctx, s.goProxyURL(module, "@latest"))
	if err != nil {
		return "", fmt.Errorf("the Go module proxy's newest %s: %w", module, err)
	}
	var latest struct{ Version string }
	if err := json.Unmarshal(data, &latest); err != nil || latest.Version == "" {
		return "", fmt.Errorf("the Go module proxy's newest %s: no version in its answer (%v)", module, err)
	}
	return latest.Version, nil
}

// GoModuleZipData downloads module@version's zip from the Go module proxy.
func (s *Sources) GoModuleZipData(ctx context.Context, module, version string) ([]byte, error) {
	if s.o.GoProxy == "" {
		return nil, fmt.Errorf("%s@%s: no Go module proxy to ask", module, version)
	}
	data, err := s.get(ctx, s.goProxyURL(module, "@v/"+escapeModule(version)+".zip"))
	if err != nil {
		return nil, fmt.Errorf("the Go module proxy's %s@%s: %w", module, version, err)
	}
	return data, nil
}

// goModuleZip downloads MODULE@VERSION's zip from the Go module proxy.
func (s *Sources) goModuleZip(ctx context.Context, module string) (string, error) {
	path, ver, ok := strings.Cut(module, "@")
	if !ok {
		return "", fmt.Errorf("go-toolchain module %q is not PATH@VERSION", module)
	}
	sum, err := s.SHA256(ctx, s.goProxyURL(path, "@v/"+escapeModule(ver)+".zip"))
	if err != nil {
		return "", fmt.Errorf("the Go module proxy's %s: %w", module, err)
	}
	return sum, nil
}

func (s *Sources) command(ctx context.Context, dir string, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = s.o.Env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pipDownload has pip fetch the wheel of pkg (NAME==VERSION) for platform,
// as tools/setup does, and returns its file name and sha256.
func (s *Sources) pipDownload(ctx context.Context, pkg, platform string) (string, string, error) {
	tmp, err := os.MkdirTemp("", "release-pip-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	argv := append(append([]string{}, s.o.Pip...), "download", "-q", "--no-deps", "--only-binary=:all:", "--platform", platform, "-d", tmp, pkg)
	s.o.Logf("running %s", strings.Join(argv, " "))
	out, err := s.command(ctx, tmp, argv...)
	if err != nil {
		if strings.Contains(out, "No matching distribution found") {
			return "", "", fmt.Errorf("%s: %w", pkg, errNotFound)
		}
		return "", "", fmt.Errorf("%s failed: %v\n%s", strings.Join(argv, " "), err, tail(out))
	}
	wheels, _ := filepath.Glob(filepath.Join(tmp, "*.whl"))
	if len(wheels) != 1 {
		return "", "", fmt.Errorf("pip download %s left %d wheels, want 1", pkg, len(wheels))
	}
	sum, err := filehash.SHA256(wheels[0])
	return filepath.Base(wheels[0]), sum, err
}

// crateChecksum asks cargo for the sha256 of crate name's release version:
// the checksum the registry's index lists for the .crate file, which cargo
// (and the build's crates rule) checks every download of it against. cargo
// resolves a throwaway package depending on exactly that release.
func (s *Sources) crateChecksum(ctx context.Context, name, version string) (string, error) {
	tmp, err := os.MkdirTemp("", "release-cargo-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	manifest := fmt.Sprintf("[package]\nname = \"rst-crate-lookup\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[lib]\npath = \"lib.rs\"\n\n[dependencies]\n%s = \"=%s\"\n", name, version)
	if err := os.WriteFile(filepath.Join(tmp, "Cargo.toml"), []byte(manifest), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "lib.rs"), nil, 0o644); err != nil {
		return "", err
	}
	s.o.Logf("running %s generate-lockfile for %s %s", s.o.Cargo, name, version)
	out, err := s.command(ctx, tmp, s.o.Cargo, "generate-lockfile")
	if err != nil {
		if strings.Contains(out, "failed to select a version") || strings.Contains(out, "no matching package named") {
			return "", fmt.Errorf("%s %s: %w", name, version, errNotFound)
		}
		return "", fmt.Errorf("cargo generate-lockfile for %s %s failed: %v\n%s", name, version, err, tail(out))
	}
	lock, err := os.ReadFile(filepath.Join(tmp, "Cargo.lock"))
	if err != nil {
		return "", err
	}
	for _, block := range strings.Split(string(lock), "[[package]]") {
		if strings.Contains(block, "\nname = \""+name+"\"\n") && strings.Contains(block, "\nversion = \""+version+"\"\n") {
			for _, line := range strings.Split(block, "\n") {
				if sum, ok := strings.CutPrefix(line, "checksum = "); ok {
					return strings.Trim(sum, `"`), nil
				}
			}
		}
	}
	return "", fmt.Errorf("cargo's lock file for %s %s lists no checksum of it", name, version)
}

// tail is the end of a command's output, enough to say why it failed.
func tail(out string) string {
	out = strings.TrimSpace(out)
	if len(out) > 2000 {
		out = "..." + out[len(out)-2000:]
	}
	return out
}
