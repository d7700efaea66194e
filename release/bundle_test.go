package release_test

import (
	"bytes"
	"context"
	"debug/elf"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bazelbuild/rules_go/go/runfiles"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/release/components"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/elfcheck"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/ocitest"
)

var (
	archiveFlags   archtest.ListFlag
	tool           = flag.String("tool", "", "the bundle's tool: its top directory is <tool>-v<version>")
	gomod          = flag.String("gomod", "", "rlocationpath of the go.mod pinning the tool's version")
	readme         = flag.String("readme", "", "rlocationpath of the bundle README")
	componentFlags archtest.ListFlag
	hello          = flag.String("hello", "", "rlocationpath of a static program for the host: the payload of a container podman runs")
)

func init() {
	flag.Var(&componentFlags, "components", "GOARCH:RLOCATIONPATH of a bundle part's components file for that architecture's archive (repeatable)")
	flag.Var(&archiveFlags, "archive", "GOARCH:ELF_MACHINE:RLOCATIONPATH of one architecture's archive (repeatable)")
}

func rlocation(t *testing.T, p string) string {
	t.Helper()
	path, err := runfiles.Rlocation(p)
	if err != nil {
		t.Fatalf("runfile %s: %v", p, err)
	}
	return path
}

func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// The archive unpacks with the stock tar and zstd into one top directory <tool>-v<version>/,
// its programs run from there, and the README's per-user install command makes them work
// without any flag pointing at the shipped configuration.
func TestBundle(t *testing.T) {
	if len(archiveFlags) == 0 {
		t.Fatal("no -archive flags: run this test through its Bazel target")
	}
	version := archtest.ModuleVersion(t, *gomod)
	top := *tool + "-v" + version
	for _, a := range archiveFlags {
		parts := strings.SplitN(a, ":", 3)
		if len(parts) != 3 {
			t.Fatalf("malformed -archive=%q", a)
		}
		arch, rloc := parts[0], parts[2]
		machine, err := elfcheck.MachineByName(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		t.Run(arch, func(t *testing.T) {
			archive := rlocation(t, rloc)
			if want := "-linux-" + arch + ".tar.zst"; !strings.HasSuffix(archive, want) {
				t.Errorf("archive %s is not named *%s", filepath.Base(archive), want)
			}
			// unpacked where a path has a space in it: nothing may split it
			dir := filepath.Join(t.TempDir(), "unpacked here")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			listing := run(t, dir, nil, "tar", "--zstd", "-tvf", archive)
			for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
				f := strings.Fields(line)
				if len(f) < 6 || f[1] != "root/root" || !strings.HasPrefix(f[5], top+"/") {
					t.Errorf("entry not owned by root/root under %s/: %s", top, line)
				}
			}
			run(t, dir, nil, "tar", "--zstd", "-xf", archive)
			root := filepath.Join(dir, top)
			for _, want := range []string{"README.md", "etc/containers/policy.json", "etc/containers/registries.conf", "share/licenses/" + *tool + "/LICENSE"} {
				if st, err := os.Stat(filepath.Join(root, want)); err != nil || st.Mode().Perm() != 0o644 {
					t.Errorf("%s/%s: %v (mode %v), want a 0644 file", top, want, err, st)
				}
			}
			for _, p := range programsIn(t, arch, "bin") {
				b := archtest.Binary{Arch: arch, Machine: machine, Path: filepath.Join(root, "bin", p)}
				if st, err := os.Stat(b.Path); err != nil || st.Mode().Perm() != 0o755 {
					t.Fatalf("bin/%s: %v, want a 0755 program", p, err)
				}
				if err := elfcheck.Static(b.Path, b.Machine); err != nil {
					t.Error(err)
				}
				out := b.Run(t, nil, "--version")
				// the tool names the bundle's version; the others (podman-full's fuse-overlayfs,
				// fusermount3) their own, checked by their tests: here they must run
				if p == *tool && !strings.Contains(out, version) {
					t.Errorf("bin/%s --version = %q, want it to name %s", p, out, version)
				}
			}
			for _, h := range programsIn(t, arch, "lib/podman") {
				p := filepath.Join(root, "lib", "podman", h)
				if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o755 {
					t.Errorf("lib/podman/%s: %v, want a 0755 program", h, err)
				} else if err := elfcheck.Static(p, machine); err != nil {
					t.Error(err)
				}
			}
			if archtest.Emulated(arch) {
				t.Skipf("%s is emulated here (qemu-user): its programs were checked and ran (--version) above; the rest (each "+
					"program's version against its pin, the tool at work, the README's install commands) is the same for every "+
					"architecture and checked natively (%s)", arch, runtime.GOARCH)
			}
			programVersions(t, root, arch, machine)
			if *tool == "podman" {
				podmanRuns(t, root, arch)
			}
			installs(t, root)
			// installed for the user whose home is HOME: the tools find the configuration
			home := t.TempDir()
			run(t, root, []string{"HOME=" + home, "XDG_CONFIG_HOME=", "XDG_DATA_HOME="}, "./install", "--user")
			if *tool == "skopeo" {
				// with the installed policy and no --policy flag, skopeo copies an image
				layout := filepath.Join(home, "layout")
				if _, err := ocitest.WriteLayout(layout, "v1", ocitest.Image{Arch: arch, Files: map[string]string{"a.txt": "a\n"}}); err != nil {
					t.Fatal(err)
				}
				run(t, root, []string{"HOME=" + home}, "bin/skopeo", "copy", "oci:"+layout+":v1", "dir:"+filepath.Join(home, "copy"))
				if _, err := os.Stat(filepath.Join(home, "copy", "manifest.json")); err != nil {
					t.Errorf("skopeo copy with the installed policy wrote no manifest: %v", err)
				}
			}
			if *tool == "buildah" {
				buildahBuilds(t, root)
			}
		})
	}
}

// programVersions runs every program of the unpacked archive with --version: each prints the
// version of the component its bundle part says it is built from (the parts' components files,
// release/components: a pin, a go.mod, or none).
func programVersions(t *testing.T, root, arch string, machine elf.Machine) {
	seen := map[string]bool{}
	for _, part := range partsOf(t, arch) {
		for _, name := range part.ProgramNames() {
			prog := part.Programs[name]
			seen[name] = true
			var want, from string
			switch {
			case prog.Pin != "":
				want, from = archtest.PinVersion(t, prog.Pin), "pin "+prog.Pin
			case prog.GoMod != "":
				want, from = archtest.ModuleVersion(t, "_main/"+prog.GoMod+"/go.mod"), "gomod "+prog.GoMod
			default:
				continue
			}
			p := filepath.Join(root, "bin", name)
			if _, err := os.Stat(p); err != nil {
				p = filepath.Join(root, "lib/podman", name)
			}
			b := archtest.Binary{Arch: runtime.GOARCH, Machine: machine, Path: p}
			// a build for CPUs with a feature (pasta.avx2) runs where the CPU has it
			if feature := strings.TrimPrefix(filepath.Ext(name), "."); feature == "avx2" && !archtest.CPUHas(t, feature) {
				t.Run(name, func(t *testing.T) { t.Skipf("%s --version: this CPU has no %s", name, feature) })
				continue
			}
			stdout, stderr, err := b.Exec(nil, "--version")
			if out := stdout + stderr; err != nil || !regexp.MustCompile(`(^|[^0-9.])`+regexp.QuoteMeta(want)+`($|[^0-9.])`).MatchString(out) {
				t.Errorf("%s --version: %v, printed %q, want the version %s (%s)", strings.TrimPrefix(p, root+"/"), err, out, want, from)
			}
		}
	}
	// every program is named by its part (the SBOM tool insists on it too)
	for _, dir := range []string{"bin", "lib/podman"} {
		entries, _ := os.ReadDir(filepath.Join(root, dir))
		for _, e := range entries {
			if !seen[e.Name()] {
				t.Errorf("%s/%s: no bundle part says which version it prints", dir, e.Name())
			}
		}
	}
}

// buildahBuilds builds an image from scratch with the unpacked buildah: a container, a file
// copied in, a commit, and the image listed with the file in its layer.
func buildahBuilds(t *testing.T, root string) {
	dir := ocitest.TempDir(t)
	cfg := ocitest.NewConfig(t, dir, runtime.GOARCH)
	b := archtest.Binary{Arch: runtime.GOARCH, Path: filepath.Join(root, "bin", "buildah")}
	global := cfg.Storage
	// its RUN steps run the crun the archive carries (lib/podman/), not one from $PATH
	if out := strings.TrimSpace(b.Run(t, cfg.Env, append(global, "info", "--format", "{{.host.OCIRuntime}}")...)); out != filepath.Join(root, "lib/podman/crun") {
		t.Errorf("buildah info names the OCI runtime %q, want the archive's %s", out, filepath.Join(root, "lib/podman/crun"))
	}
	ctr := strings.TrimSpace(b.Run(t, cfg.Env, append(global, "from", "scratch")...))
	file := filepath.Join(dir, "hello.txt")
	if err := os.WriteFile(file, []byte("hello from buildah\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Run(t, cfg.Env, append(global, "copy", ctr, file, "/hello.txt")...)
	b.Run(t, cfg.Env, append(global, "config", "--cmd", "/hello", ctr)...)
	id := strings.TrimSpace(b.Run(t, cfg.Env, append(global, "commit", "-q", "--signature-policy", cfg.PolicyJSON, ctr, "localhost/built:v1")...))
	if out := b.Run(t, cfg.Env, append(global, "images", "--json")...); len(id) < 12 || !strings.Contains(out, `"id": "`+id[:12]+`"`) || !strings.Contains(out, `"localhost/built:v1"`) {
		t.Errorf("buildah images after commit:\n%s\nwant localhost/built:v1 with ID %s", out, id)
	}
	// the committed image holds the file: mounted from a new container of it
	ctr2 := strings.TrimSpace(b.Run(t, cfg.Env, append(global, "from", "--pull=never", "localhost/built:v1")...))
	mnt := strings.TrimSpace(b.Run(t, cfg.Env, append(global, "mount", ctr2)...))
	if data, err := os.ReadFile(filepath.Join(mnt, "hello.txt")); err != nil || string(data) != "hello from buildah\n" {
		t.Errorf("the committed image's hello.txt: %q, %v", data, err)
	}
	b.Run(t, cfg.Env, append(global, "rm", "--all")...)
}

// installs runs the archive's install as the README says, for a user with a new home: it
// installs the configuration (and podman-full's units, naming this directory's podman), does
// nothing the second time, keeps a file the user changed, and --uninstall removes the rest. Its
// quadlet, run as the generator install makes of it, writes units that run this podman.
func installs(t *testing.T, root string) {
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=", "XDG_DATA_HOME="}
	config := []string{".config/containers/policy.json", ".config/containers/registries.conf"}
	podman := filepath.Join(root, "bin", "podman")
	var units []string
	if podmanFull(t) {
		for _, u := range []string{"podman.socket", "podman.service", "podman-restart.service"} {
			units = append(units, ".config/systemd/user/"+u)
		}
	}
	// the tool's completions, as the tool wrote them (cobra's scripts), where each shell looks
	completions := []string{
		".local/share/bash-completion/completions/" + *tool,
		".local/share/zsh/site-functions/_" + *tool,
		".config/fish/completions/" + *tool + ".fish",
	}
	installed := append(append(append([]string{}, config...), units...), completions...)
	record := ".local/share/rootless-static-toolkits/" + filepath.Base(root) + ".installed"

	if out := run(t, root, env, "./install", "--user", "--dry-run"); !strings.Contains(out, "would: installed: "+filepath.Join(home, installed[0])) {
		t.Errorf("install --dry-run printed:\n%s\nwant it to say it would install %s", out, installed[0])
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Fatalf("install --dry-run wrote into the home directory: %v", entries)
	}
	cmd := exec.Command("./install", "--bogus")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err == nil || cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "unknown argument '--bogus'") {
		t.Errorf("install --bogus: %v, %q; want exit status 2 naming the argument", err, out)
	}

	run(t, root, env, "sh", "-c", readmeCommand(t, "# for you"))
	for _, f := range installed {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("the README's install command did not install %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(home, record)); err != nil {
		t.Errorf("install recorded nothing: %v", err)
	}
	for _, c := range completions {
		if data, err := os.ReadFile(filepath.Join(home, c)); err != nil || !strings.Contains(string(data), "__"+*tool+"_") {
			t.Errorf("%s: %v; want %s's own completion script:\n%.300s", c, err, *tool, data)
		}
	}
	for _, u := range units {
		data, _ := os.ReadFile(filepath.Join(home, u))
		if strings.Contains(string(data), "@@PODMAN@@") || strings.HasSuffix(u, ".service") && !strings.Contains(string(data), `ExecStart="`+podman+`" `) {
			t.Errorf("%s does not start this bundle's podman (%s):\n%s", u, podman, data)
		}
	}
	// idempotent: nothing but "unchanged"; a file the user changed is kept, and said so
	for _, l := range strings.Split(strings.TrimSpace(run(t, root, env, "./install", "--user")), "\n") {
		if strings.HasPrefix(l, "installed: ") || strings.HasPrefix(l, "replaced: ") {
			t.Errorf("install a second time changed something: %s", l)
		}
	}
	changed := filepath.Join(home, config[1])
	if err := os.WriteFile(changed, []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(t, root, env, "./install", "--user"); !strings.Contains(out, "kept: "+changed+" differs") {
		t.Errorf("install over a changed %s printed:\n%s\nwant it kept, and said so", changed, out)
	}
	if data, _ := os.ReadFile(changed); string(data) != "# mine\n" {
		t.Errorf("install replaced the user's %s: %q", changed, data)
	}

	if podmanFull(t) {
		// quadlet, as install --system links it (podman-user-generator: the name says user mode),
		// over a .container file: the unit runs this directory's podman, quoted as systemd reads it
		units := t.TempDir()
		if err := os.WriteFile(filepath.Join(units, "web.container"), []byte("[Container]\nImage=localhost/bb:1\nExec=sleep 1000\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		gen := filepath.Join(t.TempDir(), "podman-user-generator")
		if err := os.Symlink(filepath.Join(root, "lib/podman/quadlet"), gen); err != nil {
			t.Fatal(err)
		}
		out := run(t, root, append(env, "QUADLET_UNIT_DIRS="+units, "PODMAN="), gen, "-dryrun")
		if want := `ExecStart="` + strings.ReplaceAll(podman, " ", `\x20`) + `" run --name systemd-%N`; !strings.Contains(out, want) {
			t.Errorf("quadlet of the unpacked archive generated:\n%s\nwant %s", out, want)
		}
	}

	out := run(t, root, env, "./install", "--user", "--uninstall")
	if !strings.Contains(out, "kept: "+changed+" changed since it was installed") {
		t.Errorf("install --uninstall printed:\n%s\nwant it to keep the changed %s", out, changed)
	}
	for _, f := range append(installed, record) {
		p := filepath.Join(home, f)
		if _, err := os.Stat(p); p == changed && err != nil {
			t.Errorf("install --uninstall removed the changed %s", p)
		} else if p != changed && err == nil {
			t.Errorf("install --uninstall left %s", p)
		}
	}
}

// readmeCommand returns the indented command line after the comment line marker in the README.
func readmeCommand(t *testing.T, marker string) string {
	t.Helper()
	data, err := os.ReadFile(rlocation(t, *readme))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == marker && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	t.Fatalf("the README has no %q command", marker)
	return ""
}

// podmanRuns runs the unpacked podman as root: it pulls an image and runs a container. A bundle
// with helpers of its own (podman-full) must use its own runtime, never the host's.
func podmanRuns(t *testing.T, root, arch string) {
	dir := ocitest.TempDir(t)
	cfg := ocitest.NewConfig(t, dir, arch)
	global := append(cfg.Storage, "--tmpdir", filepath.Join(dir, "tmp"))
	podman := archtest.Binary{Arch: arch, Path: ocitest.Cgroup2Namespace(t, filepath.Join(root, "bin", "podman"))}
	if !podmanFull(t) {
		// podman-minimal ships no runtime: the host must have conmon and an OCI runtime (tools/setup
		// installs Debian's conmon, crun and netavark in the build root for this)
		stdout, stderr, err := podman.Exec(cfg.Env, append(global, "info", "--format", "{{.Host.OCIRuntime.Path}} {{.Host.Conmon.Path}}")...)
		paths := strings.Fields(stdout)
		if err != nil || len(paths) != 2 {
			t.Fatalf("podman-minimal runs containers with the host's conmon and OCI runtime (crun or runc), and this host "+
				"has none podman finds (tools/setup installs them): podman info: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
		}
		for _, p := range paths {
			if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 || strings.HasPrefix(p, root+"/") {
				t.Fatalf("podman-minimal's podman info names %s (%v): want the host's program", p, err)
			}
		}
		t.Logf("podman-minimal uses the host's OCI runtime %s and conmon %s", paths[0], paths[1])
	} else {
		// its OCI runtime, conmon, network backend (and its DNS server) and pasta: the bundle's own
		out := podman.Run(t, cfg.Env, append(global, "info", "--format",
			"{{.Host.OCIRuntime.Path}} {{.Host.Conmon.Path}} {{.Host.NetworkBackend}} {{.Host.NetworkBackendInfo.Path}} {{.Host.NetworkBackendInfo.DNS.Path}} {{.Host.Pasta.Executable}}")...)
		lib := filepath.Join(root, "lib/podman")
		if want := strings.Join([]string{lib + "/crun", lib + "/conmon", "netavark", lib + "/netavark", lib + "/aardvark-dns", lib + "/pasta"}, " ") + "\n"; out != want {
			t.Errorf("podman info of the unpacked podman:\n%q\nwant its own helpers:\n%q", out, want)
		}
	}
	payload, err := os.ReadFile(rlocation(t, *hello))
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "layout")
	if _, err := ocitest.WriteLayout(layout, "v1", ocitest.Image{Arch: arch, Files: map[string]string{"bin/hello": string(payload)}}); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(podman.Run(t, cfg.Env, append(global, "pull", "-q", "--signature-policy="+cfg.PolicyJSON, "oci:"+layout+":v1")...))
	// this machine's cgroup2 has no controllers: no cgroup management
	out := podman.Run(t, cfg.Env, append(global, "run", "--rm", "--cgroups=disabled", "--network=none", id, "/bin/hello")...)
	if want := archtest.MimallocCheckOutput(t); out != want {
		t.Errorf("podman run printed %q, want %q", out, want)
	}
}

// podmanFull says whether the bundle is podman with a runtime of its own (its units, quadlet).
func podmanFull(t *testing.T) bool {
	return *tool == "podman" && len(programsIn(t, runtime.GOARCH, "lib/podman")) > 0
}

// programsIn returns the programs that arch's archive holds in dir ("bin", "lib/podman"): those
// its parts' components files place there.
func programsIn(t *testing.T, arch, dir string) []string {
	t.Helper()
	var out []string
	for _, part := range partsOf(t, arch) {
		out = append(out, part.In(dir)...)
	}
	sort.Strings(out)
	return out
}

// partsOf reads the components files of arch's archive (-components flags).
func partsOf(t *testing.T, arch string) []*components.Part {
	t.Helper()
	var out []*components.Part
	for _, af := range componentFlags {
		a, f, ok := strings.Cut(af, ":")
		if !ok {
			t.Fatalf("malformed -components=%q, want GOARCH:RLOCATIONPATH", af)
		}
		if a != arch {
			continue
		}
		part, err := components.Read(rlocation(t, f))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, part)
	}
	return out
}
