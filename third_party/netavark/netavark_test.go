package netavark_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/archtest"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/netnstest"
)

// Which netavark this is: the 6.x line's (2.x, nftables only) or the 5.x line's (1.x, built with
// iptables as its default driver); the BUILD file of each says.
var (
	pin      = flag.String("pin", "netavark", "the key of third_party/pins.json whose version --version prints")
	firewall = flag.String("firewall", "nftables", "the firewall driver the build defaults to: nftables or iptables")
)

// netavark prints "netavark <version>": the pinned release, for every architecture.
func TestVersion(t *testing.T) {
	want := "netavark " + archtest.PinVersion(t, *pin) + "\n"
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
	dialLimit = 20 * time.Second
)

var network = netnstest.Network{Name: netName, Bridge: bridge, Gateway: gateway, Subnet: subnet, ID: strings.Repeat("5eed", 16)}

// TestBridge: as root, netavark (run in a network and mount namespace the test made, standing
// for the host, so the machine's network is never touched) sets up a bridge network with
// firewall rules (its default driver's: -firewall) for two container namespaces; each gets its address, a TCP connection crosses
// the bridge from one to the other, and teardown removes the veths, the bridge and the rules.
// arm64 runs too: netavark only uses netlink, setns and nft there, which qemu-user handles.
func TestBridge(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("TestBridge needs root (it creates network namespaces); Bazel runs tests as root in the sid root")
	}
	archtest.ForEach(t, func(t *testing.T, b archtest.Binary) {
		host := netnstest.Holder(t, true, "mount -t tmpfs tmpfs /run") // netavark writes /run/sysctl.d
		ctrs := []int{netnstest.Holder(t, false), netnstest.Holder(t, false)}
		cfg := t.TempDir()
		ips := []string{"10.89.7.11", "10.89.7.12"}
		for i, pid := range ctrs {
			opts := filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1))
			netnstest.WriteOptions(t, opts, network, i+1, ips[i])
			out := netnstest.Run(t, host, b.Path, "--config", cfg, "--rootless", "false", "--file", opts,
				"setup", fmt.Sprintf("/proc/%d/ns/net", pid))
			t.Cleanup(func() { // a no-op after the test's own teardown
				netnstest.Exec(host, b.Path, "--config", cfg, "--rootless", "false", "--file", opts,
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
			if got := netnstest.Addrs(t, pid, "eth0"); len(got) != 1 || got[0] != ips[i]+"/24" {
				t.Errorf("ctr%d eth0 IPv4 addresses = %q, want [%s/24]", i+1, got, ips[i])
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		if got := netnstest.Links(t, host); !netnstest.Contains(got, bridge) || len(got) != 4 {
			t.Errorf("host namespace links after setup = %q, want lo, %s and two veths", got, bridge)
		}
		if rules := firewallRules(t, host); !strings.Contains(rules, subnet) {
			t.Errorf("no %s rule for %s after setup:\n%s", *firewall, subnet, rules)
		}

		// TCP from ctr1 to ctr2 across the bridge, no NAT on the way
		ln, err := netnstest.ListenIn(ctrs[1], "tcp", ips[1]+":8080")
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
		c, err := netnstest.DialIn(ctrs[0], "tcp", ips[1]+":8080", dialLimit)
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
			netnstest.Run(t, host, b.Path, "--config", cfg, "--rootless", "false",
				"--file", filepath.Join(cfg, fmt.Sprintf("ctr%d.json", i+1)),
				"teardown", fmt.Sprintf("/proc/%d/ns/net", pid))
			if got := netnstest.Links(t, pid); len(got) != 1 || got[0] != "lo" {
				t.Errorf("ctr%d links after teardown = %q, want [lo]", i+1, got)
			}
		}
		if got := netnstest.Links(t, host); len(got) != 1 || got[0] != "lo" {
			t.Errorf("host namespace links after teardown = %q, want [lo] (bridge and veths gone)", got)
		}
		if rules := firewallRules(t, host); strings.Contains(rules, subnet) {
			t.Errorf("%s rules for %s left after teardown:\n%s", *firewall, subnet, rules)
		}
	})
}

// firewallRules lists the rules of the namespace held by pid, with the tool of the build's
// default driver (nftables: netavark's own table; iptables: every table, as iptables-save).
func firewallRules(t *testing.T, pid int) string {
	t.Helper()
	switch *firewall {
	case "nftables":
		out, _, _ := netnstest.Exec(pid, "nft", "list", "ruleset")
		return out
	case "iptables":
		return netnstest.Run(t, pid, "iptables-save")
	}
	t.Fatalf("-firewall=%q: want nftables or iptables", *firewall)
	return ""
}
