package aardvarkdns_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
)

// aardvark-dns prints "aardvark-dns <version>": the pinned release, for every architecture.
func TestVersion(t *testing.T) {
	want := "aardvark-dns " + archtest.PinVersion(t, "aardvark_dns") + "\n"
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("aardvark-dns --version = %q, want %q", got, want)
		}
	})
}

// The DNS-enabled bridge network of TestDNS, in a private range, only ever inside the test's
// namespaces; the upstream resolver answers upstreamName with upstreamIP (TEST-NET-1).
const (
	netName      = "rstdns"
	bridge       = "rstdns0"
	gateway      = "10.89.8.1"
	subnet       = "10.89.8.0/24"
	upstreamName = "upstream.example."
	upstreamIP   = "192.0.2.53"
	nsLife       = "300" // seconds a namespace holder lives at most, whatever happens to the test
	cmdLimit     = 2 * time.Minute
	queryLimit   = 20 * time.Second
)

// TestDNS: as root, netavark (run in a network and mount namespace the test made, standing for
// the host, with the test's resolv.conf bind-mounted over /etc/resolv.conf) sets up a
// DNS-enabled bridge network for two container namespaces and starts aardvark-dns as podman
// does (`--config <dir>/aardvark-dns -p 53 run`). From a container, aardvark-dns on the bridge's
// address answers the other container's name and alias, and forwards an unknown name to the
// resolver the test runs on the host namespace's loopback; teardown of the last container stops
// it. arm64 runs too: netavark and aardvark-dns only use netlink, setns, nft and sockets there,
// which qemu-user handles.
func TestDNS(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("TestDNS needs root (it creates network namespaces); Bazel runs tests as root in the sid root")
	}
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		netavark := b.Data(t, "netavark")
		resolv := filepath.Join(t.TempDir(), "resolv.conf")
		if err := os.WriteFile(resolv, []byte("nameserver 127.0.0.1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		host := holder(t, true,
			"mount -t tmpfs tmpfs /run", // netavark writes /run/sysctl.d; no systemd-run there
			"mount --bind "+resolv+" /etc/resolv.conf")
		upstream := serveUpstream(t, host)
		ctrs := []int{holder(t, false), holder(t, false)}
		cfg := t.TempDir()
		ips := []string{"10.89.8.11", "10.89.8.12"}
		for i, pid := range ctrs {
			opts := filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1))
			writeOptions(t, opts, i+1, ips[i])
			nvArgs := []string{"--config", cfg, "--rootless", "false", "--aardvark-binary", b.Path, "--file", opts}
			ns := fmt.Sprintf("/proc/%d/ns/net", pid)
			out := nsRun(t, host, netavark, append(nvArgs, "setup", ns)...)
			t.Cleanup(func() { nsExec(host, netavark, append(nvArgs, "teardown", ns)...) })
			var status map[string]struct {
				DNS []string `json:"dns_server_ips"`
			}
			if err := json.Unmarshal([]byte(out), &status); err != nil {
				t.Fatalf("netavark setup output %q: %v", out, err)
			}
			if d := status[netName].DNS; len(d) != 1 || d[0] != gateway {
				t.Errorf("netavark setup of ctr%d: DNS servers %q, want [%s] (aardvark-dns)", i+1, d, gateway)
			}
		}
		// started the way netavark starts it, and stopped by the test if teardown does not
		pidData, err := os.ReadFile(filepath.Join(cfg, "aardvark-dns", "aardvark.pid"))
		if err != nil {
			t.Fatalf("aardvark-dns not started by netavark: %v", err)
		}
		var aardvark int
		if _, err := fmt.Sscan(string(pidData), &aardvark); err != nil {
			t.Fatalf("aardvark.pid %q: %v", pidData, err)
		}
		t.Cleanup(func() {
			if running(aardvark, b.Path) {
				syscall.Kill(aardvark, syscall.SIGKILL)
			}
		})
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", aardvark))
		wantArgs := strings.Join([]string{b.Path, "--config", filepath.Join(cfg, "aardvark-dns"), "-p", "53", "run"}, "\x00")
		if !bytes.Contains(cmdline, []byte(wantArgs)) {
			t.Errorf("aardvark-dns (pid %d) command line %q, want it to contain %q", aardvark, cmdline, wantArgs)
		}

		r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialIn(ctrs[0], network, gateway+":53")
		}}
		// netavark's SIGHUP after the second container's setup makes aardvark-dns reload its
		// records asynchronously (podman sees the same): retry until the answer is right
		for name, want := range map[string]string{"ctr2.": ips[1], "web.": ips[1], "ctr1.": ips[0], upstreamName: upstreamIP} {
			var got []net.IP
			var err error
			for deadline := time.Now().Add(queryLimit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				ctx, cancel := context.WithTimeout(context.Background(), queryLimit)
				got, err = r.LookupIP(ctx, "ip4", name)
				cancel()
				if err == nil && len(got) == 1 && got[0].String() == want {
					break
				}
			}
			if err != nil || len(got) != 1 || got[0].String() != want {
				t.Errorf("from ctr1, aardvark-dns answered %s with %v (%v), want %s", name, got, err, want)
			}
		}
		forwarded := false
		for len(upstream) > 0 {
			forwarded = forwarded || <-upstream == upstreamName
		}
		if !forwarded {
			t.Errorf("the upstream resolver on the host namespace's loopback got no query for %s: aardvark-dns did not forward it", upstreamName)
		}

		for i, pid := range ctrs {
			nsRun(t, host, netavark, "--config", cfg, "--rootless", "false", "--aardvark-binary", b.Path,
				"--file", filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1)),
				"teardown", fmt.Sprintf("/proc/%d/ns/net", pid))
		}
		deadline := time.Now().Add(queryLimit)
		for running(aardvark, b.Path) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if running(aardvark, b.Path) {
			t.Errorf("aardvark-dns (pid %d) still runs %s after the last container's teardown", aardvark, queryLimit)
		}
	})
}

// running tells if pid is a live (not zombie) process of the program at path.
func running(pid int, path string) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(path)) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// serveUpstream answers DNS queries on 127.0.0.1:53 in pid's network namespace until the test
// ends: upstreamName's A record is upstreamIP, other names do not exist. Every query's name is
// sent on the returned channel.
func serveUpstream(t *testing.T, pid int) <-chan string {
	t.Helper()
	var pc net.PacketConn
	if err := inNetns(pid, func() (err error) {
		pc, err = net.ListenPacket("udp", "127.0.0.1:53")
		return err
	}); err != nil {
		t.Fatalf("upstream resolver: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	queries := make(chan string, 64)
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			name, reply := answer(buf[:n])
			if reply == nil {
				continue
			}
			select {
			case queries <- name:
			default:
			}
			pc.WriteTo(reply, from)
		}
	}()
	return queries
}

// answer parses a DNS query (one question) and returns its name and the reply.
func answer(q []byte) (string, []byte) {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return "", nil
	}
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l > 63 || i+1+l > len(q) {
			return "", nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return "", nil
	}
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, ".")) + "."
	end := i + 5 // past the root label, QTYPE and QCLASS
	reply := append([]byte{}, q[:end]...)
	flags := uint16(0x8080) | binary.BigEndian.Uint16(q[2:])&0x0100 // QR, RA; RD copied
	binary.BigEndian.PutUint16(reply[6:], 0)                        // ANCOUNT
	binary.BigEndian.PutUint16(reply[8:], 0)                        // NSCOUNT
	binary.BigEndian.PutUint16(reply[10:], 0)                       // ARCOUNT: EDNS not echoed
	switch {
	case name != upstreamName:
		flags |= 3 // NXDOMAIN
	case qtype == 1: // A
		binary.BigEndian.PutUint16(reply[6:], 1)
		reply = append(reply, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
		reply = append(reply, net.ParseIP(upstreamIP).To4()...)
	}
	binary.BigEndian.PutUint16(reply[2:], flags)
	return name, reply
}

// writeOptions writes netavark's network options for container n on the test's DNS-enabled
// bridge network; container 2 has the alias "web".
func writeOptions(t *testing.T, path string, n int, ip string) {
	t.Helper()
	network := map[string]any{"interface_name": "eth0", "static_ips": []string{ip}}
	if n == 2 {
		network["aliases"] = []string{"web"}
	}
	opts := map[string]any{
		"container_id":   fmt.Sprintf("%064x", n),
		"container_name": fmt.Sprintf("ctr%d", n),
		"networks":       map[string]any{netName: network},
		"network_info": map[string]any{
			netName: map[string]any{
				"dns_enabled":       true,
				"driver":            "bridge",
				"id":                strings.Repeat("d0d0", 16),
				"internal":          false,
				"ipv6_enabled":      false,
				"name":              netName,
				"network_interface": bridge,
				"subnets":           []map[string]string{{"gateway": gateway, "subnet": subnet}},
			},
		},
	}
	data, err := json.MarshalIndent(opts, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// holder starts a process in a new network namespace (and a private mount namespace if mnt, where
// setup runs first) with its loopback up, and returns its pid; it is killed when the test ends
// and exits by itself after nsLife seconds anyway.
func holder(t *testing.T, mnt bool, setup ...string) int {
	t.Helper()
	args := []string{"--net"}
	if mnt {
		args = append(args, "--mount", "--propagation", "private")
	}
	script := strings.Join(append(setup, "ip link set lo up", "echo ready", "exec sleep "+nsLife), " && ")
	cmd := exec.Command("unshare", append(args, "sh", "-c", script)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("unshare: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if line != "ready\n" {
			t.Fatalf("unshare %s: namespace set-up failed (%q)", strings.Join(args, " "), line)
		}
	case <-time.After(cmdLimit):
		t.Fatalf("unshare %s: not ready after %s", strings.Join(args, " "), cmdLimit)
	}
	return cmd.Process.Pid
}

// nsExec runs a command in the namespaces (and root) of process pid, bounded in time. Its output
// goes through files, not pipes: aardvark-dns, which netavark may start, keeps netavark's stderr.
func nsExec(pid int, name string, args ...string) (stdout, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", fmt.Sprint(pid), "-n", "-m", "-r", "-w", name}, args...)...)
	// nft is in /usr/sbin (not on Bazel's test PATH); no firewalld: netavark must not reach the
	// machine's D-Bus from the test's namespace
	cmd.Env = append(os.Environ(), "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DBUS_SYSTEM_BUS_ADDRESS=")
	files := make([]*os.File, 2)
	for i := range files {
		f, ferr := os.CreateTemp("", "nsexec")
		if ferr != nil {
			return "", "", ferr
		}
		defer os.Remove(f.Name())
		defer f.Close()
		files[i] = f
	}
	cmd.Stdout, cmd.Stderr = files[0], files[1]
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", cmdLimit, err)
	}
	o, _ := os.ReadFile(files[0].Name())
	e, _ := os.ReadFile(files[1].Name())
	return string(o), string(e), err
}

// nsRun is nsExec that fails the test on error.
func nsRun(t *testing.T, pid int, name string, args ...string) string {
	t.Helper()
	o, e, err := nsExec(pid, name, args...)
	if err != nil {
		t.Fatalf("%s %s in the namespaces of %d: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), pid, err, o, e)
	}
	return o
}

// links returns the names of the network interfaces in pid's network namespace.
func links(t *testing.T, pid int) []string {
	t.Helper()
	var l []struct {
		Name string `json:"ifname"`
	}
	if err := json.Unmarshal([]byte(nsRun(t, pid, "ip", "-j", "link", "show")), &l); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range l {
		names = append(names, x.Name)
	}
	return names
}

// addrs returns the IPv4 addresses (address/prefix) of dev in pid's network namespace.
func addrs(t *testing.T, pid int, dev string) []string {
	t.Helper()
	var l []struct {
		Addrs []struct {
			Family, Local string
			Prefix        int `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(nsRun(t, pid, "ip", "-j", "-4", "addr", "show", "dev", dev)), &l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range l {
		for _, a := range x.Addrs {
			out = append(out, fmt.Sprintf("%s/%d", a.Local, a.Prefix))
		}
	}
	return out
}

// sysSetns is setns(2)'s number where the test itself runs (Go's syscall package lacks it on amd64).
var sysSetns = map[string]uintptr{"amd64": 308, "arm64": 268}[runtime.GOARCH]

// inNetns runs fn on a thread that joined pid's network namespace: sockets fn opens stay in that
// namespace. The thread is never unlocked, so it exits with the goroutine instead of going back
// to Go's pool in the wrong namespace.
func inNetns(pid int, fn func() error) error {
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return err
	}
	defer f.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if sysSetns == 0 {
			errc <- fmt.Errorf("setns: syscall number unknown on %s", runtime.GOARCH)
			return
		}
		if _, _, e := syscall.RawSyscall(sysSetns, f.Fd(), syscall.CLONE_NEWNET, 0); e != 0 {
			errc <- fmt.Errorf("setns: %w", e)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// listenIn listens on addr in pid's network namespace.
func listenIn(pid int, network, addr string) (ln net.Listener, err error) {
	err = inNetns(pid, func() error {
		ln, err = net.Listen(network, addr)
		return err
	})
	return ln, err
}

// dialIn connects to addr from pid's network namespace.
func dialIn(pid int, network, addr string) (c net.Conn, err error) {
	err = inNetns(pid, func() error {
		c, err = net.DialTimeout(network, addr, queryLimit)
		return err
	})
	return c, err
}
