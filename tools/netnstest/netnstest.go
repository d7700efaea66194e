// Package netnstest runs tests in network namespaces they create: processes that hold a
// namespace, commands and sockets inside it, its links and addresses, and the network options
// file netavark takes. Nothing touches the machine's own network namespace.
package netnstest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	holderLife = "300" // seconds a namespace holder lives at most, whatever happens to the test
	cmdLimit   = 2 * time.Minute
)

// Network is a bridge network as netavark's options file describes it.
type Network struct {
	Name, Bridge, Gateway, Subnet string
	ID                            string // 64 hex digits
	DNS                           bool   // netavark starts aardvark-dns for it
}

// WriteOptions writes the netavark options file of container n (ctr<n>) on nw with address ip
// and the given aliases.
func WriteOptions(t testing.TB, path string, nw Network, n int, ip string, aliases ...string) {
	t.Helper()
	network := map[string]any{"interface_name": "eth0", "static_ips": []string{ip}}
	if len(aliases) > 0 {
		network["aliases"] = aliases
	}
	opts := map[string]any{
		"container_id":   fmt.Sprintf("%064x", n),
		"container_name": fmt.Sprintf("ctr%d", n),
		"networks":       map[string]any{nw.Name: network},
		"network_info": map[string]any{
			nw.Name: map[string]any{
				"dns_enabled":       nw.DNS,
				"driver":            "bridge",
				"id":                nw.ID,
				"internal":          false,
				"ipv6_enabled":      false,
				"name":              nw.Name,
				"network_interface": nw.Bridge,
				"subnets":           []map[string]string{{"gateway": nw.Gateway, "subnet": nw.Subnet}},
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

// Holder starts a process in a new network namespace (and a private mount namespace with mnt),
// runs the setup shell commands there, brings lo up and keeps the namespaces alive until the
// test ends (holderLife at most); it returns the process's pid.
func Holder(t testing.TB, mnt bool, setup ...string) int {
	t.Helper()
	args := []string{"--net"}
	if mnt {
		args = append(args, "--mount", "--propagation", "private")
	}
	script := strings.Join(append(setup, "ip link set lo up", "echo ready", "exec sleep "+holderLife), " && ")
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

// Exec runs a command in the namespaces (and root) of process pid, bounded in time. Its output
// goes through files, not pipes: aardvark-dns, which netavark may start, keeps netavark's stderr.
func Exec(pid int, name string, args ...string) (stdout, stderr string, err error) {
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

// Run is Exec that fails the test on error.
func Run(t testing.TB, pid int, name string, args ...string) string {
	t.Helper()
	o, e, err := Exec(pid, name, args...)
	if err != nil {
		t.Fatalf("%s %s in the namespaces of %d: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), pid, err, o, e)
	}
	return o
}

// Links returns the names of the network interfaces in pid's network namespace.
func Links(t testing.TB, pid int) []string {
	t.Helper()
	var l []struct {
		Name string `json:"ifname"`
	}
	if err := json.Unmarshal([]byte(Run(t, pid, "ip", "-j", "link", "show")), &l); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range l {
		names = append(names, x.Name)
	}
	return names
}

// Addrs returns the IPv4 addresses (address/prefix) of dev in pid's network namespace.
func Addrs(t testing.TB, pid int, dev string) []string {
	t.Helper()
	var l []struct {
		Addrs []struct {
			Family, Local string
			Prefix        int `json:"prefixlen"`
		} `json:"addr_info"`
	}
	if err := json.Unmarshal([]byte(Run(t, pid, "ip", "-j", "-4", "addr", "show", "dev", dev)), &l); err != nil {
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

// Contains reports whether l holds s.
func Contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// InNetns runs fn on a thread that joined pid's network namespace: sockets fn opens stay in that
// namespace. The thread is never unlocked, so it exits with the goroutine instead of going back
// to Go's pool in the wrong namespace.
func InNetns(pid int, fn func() error) error {
	f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
	if err != nil {
		return err
	}
	defer f.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// ListenIn listens on addr in pid's network namespace.
func ListenIn(pid int, network, addr string) (ln net.Listener, err error) {
	err = InNetns(pid, func() error {
		ln, err = net.Listen(network, addr)
		return err
	})
	return ln, err
}

// DialIn connects to addr from pid's network namespace.
func DialIn(pid int, network, addr string, timeout time.Duration) (c net.Conn, err error) {
	err = InNetns(pid, func() error {
		c, err = net.DialTimeout(network, addr, timeout)
		return err
	})
	return c, err
}
