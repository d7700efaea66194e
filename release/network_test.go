package release_test

import (
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/netnstest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/ocitest"
)

var netprobe = flag.String("netprobe", "", "rlocationpath of a static network probe for the host: the payload of the networking test")

// podman-full's own netavark and aardvark-dns, as root: in a network namespace the test makes
// (the "host"), two containers on a bridge network find each other by name, and a port one of
// them publishes on the host's loopback answers there.
func TestBridgeNetworking(t *testing.T) {
	if !podmanFull(t) {
		t.Fatal("built only into the test of a bundle with a runtime of its own (podman-full): its parts place nothing in lib/podman/")
	}
	var archive string
	for _, a := range archiveFlags {
		if parts := strings.SplitN(a, ":", 3); parts[0] == runtime.GOARCH {
			archive = rlocation(t, parts[2])
		}
	}
	if archive == "" {
		t.Fatalf("no %s archive among -archive flags", runtime.GOARCH)
	}
	version := archtest.ModuleVersion(t, *gomod)
	dir := filepath.Join(t.TempDir(), "unpacked here")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, "tar", "--zstd", "-xf", archive)
	podman := ocitest.Cgroup2Namespace(t, filepath.Join(dir, *tool+"-v"+version, "bin", "podman"))

	storage := ocitest.TempDir(t)
	cfg := ocitest.NewConfig(t, storage, runtime.GOARCH)
	// networks defined by the test stay in its directory (rootful podman's default is /etc/containers/networks)
	conf, err := os.OpenFile(filepath.Join(storage, "containers.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conf.WriteString("[network]\nnetwork_config_dir = \"" + filepath.Join(storage, "networks") + "\"\n")
	if cerr := conf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	// rootful netavark keeps its run state (aardvark-dns's pid and configuration) in the fixed
	// /run/containers/networks, and aardvark-dns serves one network namespace: a /run of this
	// namespace's own keeps two such tests (podman 6 and podman 5 lines) apart when they run at once
	host := netnstest.Holder(t, true, "mount -t tmpfs tmpfs /run")
	// podman in the host namespace, with the test's configuration and storage
	pm := func(args ...string) (string, string, error) {
		return netnstest.Exec(host, "env", append(append(append([]string{}, cfg.Env...), podman), append(append(append([]string{}, cfg.Storage...), "--tmpdir", filepath.Join(storage, "tmp")), args...)...)...)
	}
	mustPM := func(args ...string) string {
		t.Helper()
		o, e, err := pm(args...)
		if err != nil {
			t.Fatalf("podman %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, o, e)
		}
		return o
	}

	payload, err := os.ReadFile(rlocation(t, *netprobe))
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(storage, "layout")
	if _, err := ocitest.WriteLayout(layout, "v1", ocitest.Image{Arch: runtime.GOARCH, Files: map[string]string{"bin/netprobe": string(payload)}}); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(mustPM("pull", "-q", "--signature-policy="+cfg.PolicyJSON, "oci:"+layout+":v1"))
	const probeSubnet = "10.89.77.0/24"
	mustPM("network", "create", "--subnet", probeSubnet, "probenet")
	t.Cleanup(func() { pm("rm", "-f", "-t", "0", "srv") })
	mustPM("run", "-d", "--cgroups=disabled", "--network", "probenet", "--name", "srv",
		"-p", "127.0.0.1:18080:8080", id, "/bin/netprobe", "serve", "8080", "hello from srv")

	// the network backend and its DNS server are the bundle's own
	lib := filepath.Join(dir, *tool+"-v"+version, "lib", "podman")
	backend := mustPM("info", "--format", "{{.Host.NetworkBackendInfo.Path}} {{.Host.NetworkBackendInfo.DNS.Path}}")
	if want := filepath.Join(lib, "netavark") + " " + filepath.Join(lib, "aardvark-dns") + "\n"; backend != want {
		t.Errorf("podman-full's network backend and DNS server: %q, want the bundle's %q", backend, want)
	}
	// srv is on probenet's subnet
	addr := strings.TrimSpace(mustPM("inspect", "--format", "{{.NetworkSettings.Networks.probenet.IPAddress}}", "srv"))
	if _, subnet, _ := net.ParseCIDR(probeSubnet); !subnet.Contains(net.ParseIP(addr)) {
		t.Errorf("srv's address on probenet is %q, want one in its subnet %s", addr, probeSubnet)
	}
	t.Logf("srv's address on probenet: %s", addr)
	// by name, through aardvark-dns, across the bridge
	if out := mustPM("run", "--rm", "--cgroups=disabled", "--network", "probenet", id, "/bin/netprobe", "get", "srv:8080"); out != "hello from srv\n" {
		t.Errorf("a container asking srv:8080 by name got %q, want %q", out, "hello from srv\n")
	}
	// the published port, from the host's loopback
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := netnstest.DialIn(host, "tcp", "127.0.0.1:18080", 2*time.Second)
		if err == nil {
			b, _ := io.ReadAll(c)
			c.Close()
			if got = string(b); got != "" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("127.0.0.1:18080 (published by srv) did not answer on the host's loopback: %v, read %q", err, got)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if got != "hello from srv\n" {
		t.Errorf("the published port answered %q, want %q", got, "hello from srv\n")
	}
	t.Logf("127.0.0.1:18080 on the host answered %q", got)
}
