package netavark_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
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

// netavark prints "netavark <version>": the pinned release, for every architecture.
func TestVersion(t *testing.T) {
	want := "netavark " + archtest.PinVersion(t, "netavark") + "\n"
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		if got := b.Run(t, nil, "--version"); got != want {
			t.Errorf("netavark --version = %q, want %q", got, want)
		}
	})
}

// The bridge network of TestBridge, in a private range, only ever inside the test's namespaces.
const (
	netName   = "rsttest"
	bridge    = "rsttest0"
	gateway   = "10.89.7.1"
	subnet    = "10.89.7.0/24"
	nsLife    = "300" // seconds a namespace holder lives at most, whatever happens to the test
	cmdLimit  = 2 * time.Minute
	dialLimit = 20 * time.Second
)

// TestBridge: as root, netavark (run in a network and mount namespace the test made, standing
// for the host, so the machine's network is never touched) sets up a bridge network with
// nftables rules for two container namespaces; each gets its address, a TCP connection crosses
// the bridge from one to the other, and teardown removes the veths, the bridge and the rules.
// arm64 runs too: netavark only uses netlink, setns and nft there, which qemu-user handles.
func TestBridge(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("TestBridge needs root (it creates network namespaces); Bazel runs tests as root in the sid root")
	}
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		host := holder(t, true, "mount -t tmpfs tmpfs /run") // netavark writes /run/sysctl.d
		ctrs := []int{holder(t, false), holder(t, false)}
		cfg := t.TempDir()
		ips := []string{"10.89.7.11", "10.89.7.12"}
		for i, pid := range ctrs {
			opts := filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1))
			writeOptions(t, opts, i+1, ips[i])
			out := nsRun(t, host, b.Path, "--config", cfg, "--rootless", "false", "--file", opts,
				"setup", fmt.Sprintf("/proc/%d/ns/net", pid))
			t.Cleanup(func() { // a no-op after the test's own teardown
				nsExec(host, b.Path, "--config", cfg, "--rootless", "false", "--file", opts,
					"teardown", fmt.Sprintf("/proc/%d/ns/net", pid))
			})
			// netavark's answer: the network's interface and the address it gave
			var status map[string]struct {
				Interfaces map[string]struct {
					Subnets []struct{ IPNet, Gateway string } `json:"subnets"`
				} `json:"interfaces"`
			}
			if err := json.Unmarshal([]byte(out), &status); err != nil {
				t.Fatalf("netavark setup output %q: %v", out, err)
			}
			s := status[netName].Interfaces["eth0"].Subnets
			if len(s) != 1 || s[0].IPNet != ips[i]+"/24" || s[0].Gateway != gateway {
				t.Errorf("netavark setup of ctr%d reported %q, want eth0 %s/24 via %s", i+1, out, ips[i], gateway)
			}
			// and the kernel's view inside the namespace
			if got := addrs(t, pid, "eth0"); len(got) != 1 || got[0] != ips[i]+"/24" {
				t.Errorf("ctr%d eth0 IPv4 addresses = %q, want [%s/24]", i+1, got, ips[i])
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		if got := links(t, host); !contains(got, bridge) || len(got) != 4 {
			t.Errorf("host namespace links after setup = %q, want lo, %s and two veths", got, bridge)
		}
		rules := nsRun(t, host, "nft", "list", "table", "inet", "netavark")
		if !strings.Contains(rules, "ip saddr "+subnet) {
			t.Errorf("no nftables rule for %s after setup:\n%s", subnet, rules)
		}

		// TCP from ctr1 to ctr2 across the bridge, no NAT on the way
		ln, err := listenIn(ctrs[1], "tcp", ips[1]+":8080")
		if err != nil {
			t.Fatalf("listen in ctr2: %v", err)
		}
		defer ln.Close()
		peer := make(chan string, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				peer <- "accept: " + err.Error()
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(dialLimit))
			line, _ := bufio.NewReader(c).ReadString('\n')
			fmt.Fprintf(c, "pong %s", line)
			peer <- c.RemoteAddr().(*net.TCPAddr).IP.String()
		}()
		c, err := dialIn(ctrs[0], "tcp", ips[1]+":8080")
		if err != nil {
			t.Fatalf("connect from ctr1 to ctr2 %s:8080: %v", ips[1], err)
		}
		c.SetDeadline(time.Now().Add(dialLimit))
		fmt.Fprintf(c, "ping\n")
		reply, err := io.ReadAll(c)
		c.Close()
		if err != nil || string(reply) != "pong ping\n" {
			t.Errorf("ctr2's reply = %q (%v), want %q", reply, err, "pong ping\n")
		}
		if from := <-peer; from != ips[0] {
			t.Errorf("ctr2 saw the connection from %q, want ctr1's %s", from, ips[0])
		}

		for i, pid := range ctrs {
			nsRun(t, host, b.Path, "--config", cfg, "--rootless", "false",
				"--file", filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1)),
				"teardown", fmt.Sprintf("/proc/%d/ns/net", pid))
			if got := links(t, pid); len(got) != 1 || got[0] != "lo" {
				t.Errorf("ctr%d links after teardown = %q, want [lo]", i+1, got)
			}
		}
		if got := links(t, host); len(got) != 1 || got[0] != "lo" {
			t.Errorf("host namespace links after teardown = %q, want [lo] (bridge and veths gone)", got)
		}
		if rules, _, _ := nsExec(host, "nft", "list", "ruleset"); strings.Contains(rules, subnet) {
			t.Errorf("nftables rules for %s left after teardown:\n%s", subnet, rules)
		}
	})
}

// writeOptions writes netavark's network options for container n on the test's bridge network.
func writeOptions(t *testing.T, path string, n int, ip string) {
	t.Helper()
	opts := map[string]any{
		"container_id":   fmt.Sprintf("%064x", n),
		"container_name": fmt.Sprintf("ctr%d", n),
		"networks": map[string]any{
			netName: map[string]any{"interface_name": "eth0", "static_ips": []string{ip}},
		},
		"network_info": map[string]any{
			netName: map[string]any{
				"dns_enabled":       false,
				"driver":            "bridge",
				"id":                strings.Repeat("5eed", 16),
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

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
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
		c, err = net.DialTimeout(network, addr, dialLimit)
		return err
	})
	return c, err
}
