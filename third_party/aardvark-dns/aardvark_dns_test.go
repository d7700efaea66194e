package aardvarkdns_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/netnstest"
)

// The 6.x line's aardvark-dns (2.x) or the 5.x line's (1.x): the key of its pin.
var pin = flag.String("pin", "aardvark_dns", "the key of third_party/pins.json whose version --version prints")

// aardvark-dns prints "aardvark-dns <version>": the pinned release, for every architecture.
func TestVersion(t *testing.T) {
	want := "aardvark-dns " + archtest.PinVersion(t, *pin) + "\n"
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
	queryLimit   = 20 * time.Second
)

var network = netnstest.Network{Name: netName, Bridge: bridge, Gateway: gateway, Subnet: subnet, ID: strings.Repeat("d0d0", 16), DNS: true}

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
		host := netnstest.Holder(t, true,
			"mount -t tmpfs tmpfs /run", // netavark writes /run/sysctl.d; no systemd-run there
			"mount --bind "+resolv+" /etc/resolv.conf")
		upstream := serveUpstream(t, host)
		ctrs := []int{netnstest.Holder(t, false), netnstest.Holder(t, false)}
		cfg := t.TempDir()
		ips := []string{"10.89.8.11", "10.89.8.12"}
		for i, pid := range ctrs {
			opts := filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1))
			var aliases []string
			if i == 1 {
				aliases = []string{"web"} // ctr2's alias
			}
			netnstest.WriteOptions(t, opts, network, i+1, ips[i], aliases...)
			nvArgs := []string{"--config", cfg, "--rootless", "false", "--aardvark-binary", b.Path, "--file", opts}
			ns := fmt.Sprintf("/proc/%d/ns/net", pid)
			out := netnstest.Run(t, host, netavark, append(nvArgs, "setup", ns)...)
			t.Cleanup(func() { netnstest.Exec(host, netavark, append(nvArgs, "teardown", ns)...) })
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
			return netnstest.DialIn(ctrs[0], network, gateway+":53", queryLimit)
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
			netnstest.Run(t, host, netavark, "--config", cfg, "--rootless", "false", "--aardvark-binary", b.Path,
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
	if err := netnstest.InNetns(pid, func() (err error) {
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
