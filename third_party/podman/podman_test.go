package podman_test

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/elfcheck"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/ocitest"
)

var (
	gomod  = flag.String("gomod", "", "rlocationpath of third_party/podman/go.mod")
	commit = flag.String("commit", "", "the commit stamp.bzl pins (empty where the module proxy records none)")
)

func TestPodman(t *testing.T) {
	version := archtest.ModuleVersion(t, *gomod)
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		// cgo's allocations go to mimalloc, linked in place of musl's malloc
		b.CheckMimalloc(t, "--version")
		if out := b.Run(t, nil, "--version"); out != "podman version "+version+"\n" {
			t.Fatalf("--version = %q, want podman version %s", out, version)
		}
		real := b.Path
		// podman 6 starts only where /sys/fs/cgroup is cgroup2: run it in a namespace that has one
		b.Path = ocitest.Cgroup2Namespace(t, b.Path)
		dir := ocitest.TempDir(t)
		cfg := ocitest.NewConfig(t, dir, b.Arch)
		envv, storage := cfg.Env, append(cfg.Storage, "--tmpdir", filepath.Join(dir, "tmp"))
		// our crun and conmon, never the host's; built for the host's architecture, as they run
		// natively even under an emulated podman (they need what qemu-user lacks, see //tools/archtest/emuprobe)
		native := archtest.Binary{Arch: runtime.GOARCH}
		crun, conmon := native.Data(t, "crun"), native.Data(t, "conmon")
		global := append(append([]string{}, storage...), "--runtime", crun, "--conmon", conmon)

		var info struct {
			Host struct {
				Arch       string
				Security   struct{ SeccompEnabled bool }
				OCIRuntime struct{ Path string }
				Conmon     struct{ Path string }
			}
			Store   struct{ GraphDriverName string }
			Version struct{ Version, GitCommit string }
		}
		out := b.Run(t, envv, append(global, "info", "--format", "json")...)
		if err := json.Unmarshal([]byte(out), &info); err != nil {
			t.Fatalf("podman info: %v\n%s", err, out)
		}
		if info.Host.Arch != b.Arch || info.Store.GraphDriverName != "vfs" || info.Version.Version != version {
			t.Errorf("podman info: arch %q driver %q version %q; want %s, vfs, %s", info.Host.Arch, info.Store.GraphDriverName, info.Version.Version, b.Arch, version)
		}
		if info.Host.OCIRuntime.Path != crun || info.Host.Conmon.Path != conmon {
			t.Errorf("podman info: runtime %q, conmon %q; want our builds %s, %s", info.Host.OCIRuntime.Path, info.Host.Conmon.Path, crun, conmon)
		}
		t.Run("seccomp", func(t *testing.T) {
			// podman says seccomp is enabled where prctl(PR_SET_SECCOMP) does not fail with EINVAL
			b.SkipIfEmulatorLacks(t, archtest.SeccompFilter)
			if !info.Host.Security.SeccompEnabled {
				t.Error("podman info: seccomp not enabled (built without the seccomp tag or libseccomp?)")
			}
		})
		if info.Version.GitCommit != *commit {
			t.Errorf("podman info: git commit %q, want %q, the commit stamp.bzl pins", info.Version.GitCommit, *commit)
		}

		layout := filepath.Join(dir, "layout")
		hello, err := os.ReadFile(b.Data(t, "hello"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ocitest.WriteLayout(layout, "v1", ocitest.Image{Arch: b.Arch, Files: map[string]string{"hello.txt": "hi\n", "bin/hello": string(hello)}}); err != nil {
			t.Fatal(err)
		}
		policy := "--signature-policy=" + cfg.PolicyJSON
		id := strings.TrimSpace(b.Run(t, envv, append(global, "pull", "-q", policy, "oci:"+layout+":v1")...))
		if len(id) != 64 {
			t.Fatalf("podman pull printed %q, want an image ID", id)
		}
		var images []struct {
			Id           string
			Architecture string
		}
		out = b.Run(t, envv, append(global, "image", "inspect", id)...)
		if err := json.Unmarshal([]byte(out), &images); err != nil || len(images) != 1 {
			t.Fatalf("podman image inspect: %v\n%s", err, out)
		}
		if images[0].Id != id || images[0].Architecture != b.Arch {
			t.Errorf("pulled image = %+v, want id %s arch %s", images[0], id, b.Arch)
		}

		// how a container runs here: no cgroup controllers on this machine's cgroup2, no network.
		// conmon and crun run natively (they need what qemu-user lacks); an emulated podman's
		// container program is emulated too, and where the emulator lacks seccomp filters the
		// profile podman gives it (its architecture's system calls) cannot govern the host's
		// system calls the emulator makes for it: that container runs unconfined
		run := []string{"run", "--rm", "--cgroups=disabled", "--network=none"}
		confined := true
		if archtest.Emulated(b.Arch) {
			if why := b.Probe(t)[archtest.SeccompFilter]; why != "" {
				run = append(run, "--security-opt", "seccomp=unconfined")
				confined = false
				t.Logf("%s is emulated and the emulator lacks seccomp filters (%s): its containers run unconfined", b.Arch, why)
			}
		}
		// pull writes img as an OCI layout of its own and pulls it: the image's ID
		pull := func(t *testing.T, name string, img ocitest.Image) string {
			t.Helper()
			layout := filepath.Join(dir, name)
			img.Arch = b.Arch
			if _, err := ocitest.WriteLayout(layout, "v1", img); err != nil {
				t.Fatal(err)
			}
			id := strings.TrimSpace(b.Run(t, envv, append(global, "pull", "-q", policy, "oci:"+layout+":v1")...))
			if len(id) != 64 {
				t.Fatalf("podman pull printed %q, want an image ID", id)
			}
			return id
		}

		// a container really runs
		t.Run("run", func(t *testing.T) {
			out := b.Run(t, envv, append(append(global, run...), id, "/bin/hello")...)
			if want := archtest.MimallocCheckOutput(t); out != want {
				t.Errorf("podman run printed %q, want %q", out, want)
			}
		})

		payload, err := os.ReadFile(b.Data(t, "payload"))
		if err != nil {
			t.Fatal(err)
		}
		sandboxed := map[string]string{"bin/payload": string(payload)}

		// CVE-2026-94603 (GO-2026-6770; cve-2026-94603-run-checkpoint-image.patch): podman run
		// took an image carrying podman's checkpoint annotation for a checkpoint and restored it,
		// the container's configuration and OCI spec taken from files inside the image and the
		// options given ignored, so any image could switch off the sandbox. Such an image now runs
		// as an image: with the very sandbox the same files get without the annotation (without
		// the patch, podman tries a restore and fails, or with CRIU restores the image's spec).
		t.Run("checkpoint_annotation_runs_as_image", func(t *testing.T) {
			plain := pull(t, "plain", ocitest.Image{Files: sandboxed})
			annotated := pull(t, "checkpoint", ocitest.Image{Files: sandboxed, Annotations: map[string]string{
				"io.podman.annotations.checkpoint.runtime.name": "crun",
				"io.podman.annotations.checkpoint.name":         "unconfined",
			}})
			want := b.Run(t, envv, append(append(global, run...), plain, "/bin/payload", "sandbox")...)
			if got := b.Run(t, envv, append(append(global, run...), annotated, "/bin/payload", "sandbox")...); got != want {
				t.Errorf("the checkpoint-annotated image ran with %q, the same files without the annotation with %q", got, want)
			}
			if confined && !strings.HasPrefix(want, "seccomp=2 ") || !strings.HasPrefix(want, "seccomp=") || strings.Contains(want, "capeff=000001ffffffffff") {
				t.Errorf("an image's container runs with %q: want the payload's line, a seccomp filter (2) and not every capability", want)
			}
		})

		// CVE-2026-123876 (cve-2026-123876-seccomp-socket-low-word.patch, in go.podman.io/common):
		// the default seccomp profile denies socket(AF_VSOCK) (EPERM) and, without CAP_AUDIT_WRITE,
		// socket(AF_NETLINK, *, NETLINK_AUDIT) (EINVAL), but compared the whole 64-bit register
		// while the kernel reads an int: the same family or protocol with high bits set passed
		// the deny rules and matched the allow rules. Both spellings are denied now.
		t.Run("seccomp_denies_socket_families_whatever_the_high_bits", func(t *testing.T) {
			if archtest.Emulated(b.Arch) {
				t.Skipf("%s is emulated: a container's seccomp filter would govern the emulator's own system calls, not the program's", b.Arch)
			}
			img := pull(t, "socket", ocitest.Image{Files: sandboxed})
			for _, c := range []struct {
				family, typ, proto, want string
			}{
				{"40", "1", "0", "errno=1"},            // AF_VSOCK, SOCK_STREAM
				{"0x100000028", "1", "0", "errno=1"},   // the same with high bits
				{"16", "3", "9", "errno=22"},           // AF_NETLINK, SOCK_RAW, NETLINK_AUDIT
				{"0x100000010", "3", "9", "errno=22"},  // the family with high bits
				{"16", "3", "0x100000009", "errno=22"}, // the protocol with high bits
				{"16", "3", "0", "socket"},             // NETLINK_ROUTE: allowed
				{"2", "1", "0", "socket"},              // AF_INET: allowed
			} {
				out := b.Run(t, envv, append(append(global, run...), "--cap-drop=AUDIT_WRITE", img, "/bin/payload", "socket", c.family, c.typ, c.proto)...)
				if strings.TrimSpace(out) != c.want {
					t.Errorf("socket(%s, %s, %s) in a container: %q, want %q", c.family, c.typ, c.proto, strings.TrimSpace(out), c.want)
				}
			}
		})

		// CVE-2026-121885 (cve-2026-121885-image-labels-auto-update.patch): an image's labels
		// became its containers' labels, PODMAN_SYSTEMD_UNIT (the unit podman auto-update
		// restarts) and io.containers.autoupdate.authfile (the credentials it pulls with)
		// included, so an image chose which unit auto-update restarts. Those two now come from
		// the host only: the creating environment still sets the unit, as quadlet's units do.
		t.Run("image_labels_name_no_systemd_unit", func(t *testing.T) {
			img := pull(t, "labelled", ocitest.Image{Files: sandboxed, Labels: map[string]string{
				"PODMAN_SYSTEMD_UNIT":               "victim.service",
				"io.containers.autoupdate.authfile": "/etc/shadow",
				"io.containers.autoupdate":          "local",
				"org.example.kept":                  "yes",
			}})
			format := `{{index .Config.Labels "PODMAN_SYSTEMD_UNIT"}}|{{index .Config.Labels "io.containers.autoupdate.authfile"}}|{{index .Config.Labels "io.containers.autoupdate"}}|{{index .Config.Labels "org.example.kept"}}`
			for _, c := range []struct{ env, want string }{
				{"", "||local|yes"},
				{"PODMAN_SYSTEMD_UNIT=mine.service", "mine.service||local|yes"},
			} {
				env := envv
				if c.env != "" {
					env = append(append([]string{}, envv...), c.env)
				}
				ctr := strings.TrimSpace(b.Run(t, env, append(global, "create", img, "/bin/payload", "sandbox")...))
				got := strings.TrimSpace(b.Run(t, envv, append(global, "container", "inspect", "--format", format, ctr)...))
				b.Run(t, envv, append(global, "rm", ctr)...)
				if got != c.want {
					t.Errorf("created with %q in the environment, the container's labels (unit|authfile|policy|other) are %q, want %q", c.env, got, c.want)
				}
			}
		})

		// CVE-2026-111361 (podman 5: cve-2026-111361-schema1-payload-digest.patch in
		// go.podman.io/image v5.39.2; podman 6's v5.42.1 has upstream's fix): a signed schema1
		// manifest's digest is computed over its JWS payload, which libtrust rebuilds from the
		// signature's protected header, while podman read the layers from the manifest's body. A
		// registry could serve, for a digest the user pinned, a manifest whose signed payload
		// names the pinned layer and whose body names another: podman pulled the other. Such a
		// manifest is refused now; an honest one (body and payload the same) still pulls.
		t.Run("schema1_digest_pins_what_is_pulled", func(t *testing.T) {
			reg := ocitest.NewRegistry(t)
			layer := func(content string) string {
				gz, _, err := ocitest.LayerTarGz(map[string]string{"which.txt": content, "bin/payload": string(payload)})
				if err != nil {
					t.Fatal(err)
				}
				return reg.PutBlob(gz)
			}
			pinned, other := layer("the layer the digest pins"), layer("another layer")
			schema1 := func(blobSum string) map[string]any {
				id := strings.TrimPrefix(blobSum, "sha256:")
				return map[string]any{
					"schemaVersion": 1, "name": "s1", "tag": "v1", "architecture": b.Arch,
					"fsLayers": []any{map[string]any{"blobSum": blobSum}},
					"history":  []any{map[string]any{"v1Compatibility": `{"id":"` + id + `","architecture":"` + b.Arch + `","config":{"Cmd":["/which.txt"]}}`}},
				}
			}
			b64 := base64.RawURLEncoding.EncodeToString
			// a JWS whose protected header rebuilds payload (formatLength 0, formatTail: all of it)
			// beside the body shown
			signed := func(payload []byte, shown map[string]any) []byte {
				protected, _ := json.Marshal(map[string]any{"formatLength": 0, "formatTail": b64(payload)})
				shown["signatures"] = []any{map[string]any{"header": map[string]any{"alg": "ES256"}, "signature": "AAAA", "protected": b64(protected)}}
				data, err := json.MarshalIndent(shown, "", "   ")
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			payload, _ := json.MarshalIndent(schema1(pinned), "", "   ")
			digest := ocitest.Digest(payload)
			const mediaType = "application/vnd.docker.distribution.manifest.v1+prettyjws"
			reg.PutManifest("honest", digest, mediaType, signed(payload, schema1(pinned)))
			reg.PutManifest("forged", digest, mediaType, signed(payload, schema1(other)))
			pullArgs := append(append([]string{}, global...), "pull", "-q", policy, "--tls-verify=false")
			// which layer an image pulled: its /which.txt, read in a container
			which := func(ref string) string {
				return strings.TrimSpace(b.Run(t, envv, append(append(global, run...), ref, "/bin/payload", "cat", "/which.txt")...))
			}

			b.Run(t, envv, append(pullArgs, reg.Host()+"/honest@"+digest)...)
			if got := which(reg.Host() + "/honest@" + digest); got != "the layer the digest pins" {
				t.Fatalf("the honest schema1 image pulled by digest holds %q, want the layer the digest pins", got)
			}
			_, stderr, err := b.Exec(envv, append(pullArgs, reg.Host()+"/forged@"+digest)...)
			if err == nil {
				t.Fatalf("podman pulled %s/forged@%s, whose body names another layer than its signed payload: the image holds %q, want it refused",
					reg.Host(), digest, which(reg.Host()+"/forged@"+digest))
			}
			if !strings.Contains(stderr, "payload") {
				t.Errorf("podman pull of the forged manifest failed, but not for its payload: %s", stderr)
			}
		})

		// the helper programs podman-full ships: static, for this architecture, and they run
		t.Run("helpers", func(t *testing.T) {
			for _, h := range []string{"quadlet", "rootlessport"} {
				hb := archtest.Binary{Arch: b.Arch, Machine: b.Machine, Path: b.Data(t, h)}
				if err := elfcheck.Static(hb.Path, hb.Machine); err != nil {
					t.Error(err)
				}
			}
			q := archtest.Binary{Arch: b.Arch, Machine: b.Machine, Path: b.Data(t, "quadlet")}
			if out := q.Run(t, nil, "-version"); !strings.Contains(out, version) {
				t.Errorf("quadlet -version = %q, want %s", out, version)
			}
			// rootlessport has no version flag: it takes its configuration on stdin only, and
			// says so when given an argument, which proves it starts
			_, stderr, err := (archtest.Binary{Arch: b.Arch, Path: b.Data(t, "rootlessport")}).Exec(nil, "--version")
			if err == nil || !strings.Contains(stderr, "rootlessport expects a json config via STDIN") {
				t.Errorf("rootlessport --version: err %v, stderr %q; want its usage error", err, stderr)
			}
		})

		// relocatable: a copy of podman in <dir>/bin uses the crun and conmon in <dir>/lib/podman
		// (copies of ours) before any on the host, wherever <dir> is: no --runtime/--conmon here
		t.Run("helpers_beside_podman", func(t *testing.T) {
			top := t.TempDir()
			copyFile(t, real, filepath.Join(top, "bin", "podman"))
			copyFile(t, crun, filepath.Join(top, "lib", "podman", "crun"))
			copyFile(t, conmon, filepath.Join(top, "lib", "podman", "conmon"))
			moved := b
			moved.Path = ocitest.Cgroup2Namespace(t, filepath.Join(top, "bin", "podman"))
			out := moved.Run(t, envv, append(storage, "info", "--format", "{{.Host.OCIRuntime.Path}} {{.Host.Conmon.Path}}")...)
			want := filepath.Join(top, "lib/podman/crun") + " " + filepath.Join(top, "lib/podman/conmon") + "\n"
			if out != want {
				t.Errorf("podman info: runtime and conmon %q, want the bundle's %q", out, want)
			}
		})
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
}
