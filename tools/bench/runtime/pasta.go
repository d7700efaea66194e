package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// 4. pasta: TCP through pasta, rootless (pasta makes its own user and network namespace, as
// podman's rootless containers have it), between a program in the namespace and a server on the
// host's loopback. Two paths: the tap interface (the namespace reaches the host through the
// gateway address pasta maps to the host's loopback; every segment is translated and copied by
// pasta), and the splice path (-T: the namespace's loopback port forwarded to the host's, bytes
// spliced between sockets). Bulk throughput is Debian's iperf3 (the same program for both sides:
// only pasta differs); the round trip is this program's own ping-pong of one byte (the median
// round trip of a run; the median of pingpongRuns runs per repetition).
//
// Each side is measured as installed (pasta runs pasta.avx2 beside it on a CPU with AVX2, when
// there is one: Debian's package has it, so does our amd64 archive) and as "pasta alone" (a copy
// in a directory of its own, without pasta.avx2), which shows what the AVX2 build is worth.
func pastaTraffic() *workload {
	const (
		seconds    = 4     // iperf3's measured time per run (after one second left out)
		roundTrips = 20000 // per ping-pong run
		// ping-pong runs per repetition, their median the repetition's figure: one run's median
		// moves by ±15 % from one run to the next here (10 alternating runs of each pasta:
		// 126–166 µs), more than any difference between the builds
		pingpongRuns = 5
		user         = 65534 // nobody: pasta runs rootless
	)
	w := &workload{name: "pasta", remark: pastaRemark}
	type run struct {
		// pasta's paths to the host, and the program in the namespace, given the server's port
		pastaArgs, command func(port int) []string
	}
	tap := func(int) []string { return []string{"--map-host-loopback", "10.0.2.2", "-T", "none"} }
	splice := func(port int) []string { return []string{"-T", strconv.Itoa(port)} }
	iperf := func(host string, more ...string) func(int) []string {
		return func(port int) []string {
			return append([]string{"iperf3", "--client", host, "--port", strconv.Itoa(port), "--json",
				"--time", strconv.Itoa(seconds), "--omit", "1"}, more...)
		}
	}
	var iperfPort, echoPort int
	runs := map[*metric]run{}
	for _, alone := range []bool{false, true} {
		prefix := "pasta: "
		if alone {
			prefix = "pasta alone: " // without pasta.avx2 beside it
		}
		add := func(name, unit string, r run) {
			m := &metric{name: prefix + name, unit: unit, less: unit == "µs", alone: alone}
			w.metrics = append(w.metrics, m)
			runs[m] = r
		}
		add("TCP host → namespace, tap", "MB/s", run{tap, iperf("10.0.2.2", "--reverse")})
		add("TCP namespace → host, splice", "MB/s", run{splice, iperf("127.0.0.1")})
		add("TCP host → namespace, splice", "MB/s", run{splice, iperf("127.0.0.1", "--reverse")})
		add("TCP round trip of 1 byte, tap", "µs", run{tap, func(int) []string {
			self, _ := os.Executable()
			return []string{self, "pingpong", net.JoinHostPort("10.0.2.2", strconv.Itoa(echoPort)), strconv.Itoa(roundTrips)}
		}})
	}
	w.prepare = func(sides []*side) error {
		for _, s := range sides {
			alone := filepath.Join(s.work, "pasta-alone")
			if err := os.MkdirAll(alone, 0o755); err != nil {
				return err
			}
			if err := copyFile(s.pasta, filepath.Join(alone, "pasta"), 0o755); err != nil {
				return err
			}
		}
		var err error
		if iperfPort, err = freePort(); err != nil {
			return err
		}
		srv := exec.Command("iperf3", "--server", "--bind", "127.0.0.1", "--port", strconv.Itoa(iperfPort))
		if err := startBackground(srv); err != nil {
			return fmt.Errorf("iperf3 --server: %w", err)
		}
		if err := waitListening(iperfPort, 10*time.Second); err != nil {
			return fmt.Errorf("iperf3 --server: %w", err)
		}
		echoPort, err = echoServer()
		return err
	}
	w.measure = func(s *side) (map[string]float64, error) {
		out := map[string]float64{}
		for _, m := range w.metrics {
			r := runs[m]
			pasta := s.pasta
			if m.alone {
				pasta = filepath.Join(s.work, "pasta-alone", "pasta")
			}
			run := func() (string, error) {
				return throughPasta(pasta, user, r.pastaArgs(iperfPort), r.command(iperfPort)...)
			}
			if m.unit == "µs" {
				rtts := make([]float64, 0, pingpongRuns)
				for len(rtts) < pingpongRuns {
					o, err := run()
					if err != nil {
						return nil, err
					}
					rtt, err := strconv.ParseFloat(strings.TrimSpace(o), 64)
					if err != nil {
						return nil, fmt.Errorf("pingpong printed %q: %w", o, err)
					}
					rtts = append(rtts, rtt)
				}
				out[m.name], _, _ = stats(rtts)
				continue
			}
			for attempt := 1; ; attempt++ {
				o, err := run()
				if err != nil {
					return nil, err
				}
				rate, err := iperfRate(o)
				if errors.Is(err, errStalled) && attempt < stallAttempts {
					progress("%s (%s): %v; once more (attempt %d of %d)", m.name, s.name, err, attempt+1, stallAttempts)
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("%s (%s): %w", m.name, s.name, err)
				}
				out[m.name] = rate
				break
			}
		}
		return out, nil
	}
	return w
}

// pastaRemark: why the table has no namespace → host tap throughput.
const pastaRemark = "pasta: no bulk namespace → host figure through the tap interface: on this machine's kernel the " +
	"namespace's sender overruns the tap queue and TCP stalls in retransmissions, with Debian's pasta as with ours " +
	"(iperf3 with the auto-tuned window: 17–45 MB/s against 3 GB/s the other way; with a fixed window of 64–256 KiB, " +
	"35–570 MB/s from one run to the next), so a figure would measure loss recovery, not pasta. The upload direction " +
	"is measured through the splice path (-T). \"pasta alone\": each side's pasta copied into a directory of its own, " +
	"without the pasta.avx2 it runs instead of itself on a CPU with AVX2."

// throughPasta runs a command in a new namespace of pasta's, as user, and returns its stdout.
// The namespace has one address and a gateway; pastaArgs add the paths to the host.
func throughPasta(pasta string, user uint32, pastaArgs []string, command ...string) (string, error) {
	args := append([]string{"--quiet", "--config-net", "-4", "--address", "10.0.2.15", "--netmask", "24",
		"--gateway", "10.0.2.2", "-t", "none", "-u", "none", "-U", "none"}, pastaArgs...)
	args = append(append(args, "--"), command...)
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, pasta, args...)
	c.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp"}
	c.Dir = "/"
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: user, Gid: user, Groups: []uint32{}}, Setpgid: true}
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr strings.Builder
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", pasta, strings.Join(args, " "), err, tail([]byte(stderr.String()+stdout.String())))
	}
	return stdout.String(), nil
}

// errStalled: an iperf3 run whose receiver got nothing and no error, a connection that stalled
// for the whole run (seen now and then on the tap path, either pasta); such a run is run again,
// up to stallAttempts runs in all, each retry said in the progress output.
var errStalled = errors.New("the connection stalled: the receiver got 0 bytes")

const stallAttempts = 3

// iperfRate reads iperf3's JSON report: the bytes the receiver got per second, in MB/s.
func iperfRate(report string) (float64, error) {
	var r struct {
		End struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
				Bytes         float64 `json:"bytes"`
				Seconds       float64 `json:"seconds"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(report), &r); err != nil {
		return 0, fmt.Errorf("iperf3's report: %w: %s", err, tail([]byte(report)))
	}
	if r.Error != "" {
		return 0, fmt.Errorf("iperf3 through pasta: %s", r.Error)
	}
	if r.End.SumReceived.BitsPerSecond <= 0 {
		return 0, fmt.Errorf("iperf3 through pasta: %w (%v bytes in %.1f s)", errStalled, r.End.SumReceived.Bytes, r.End.SumReceived.Seconds)
	}
	return r.End.SumReceived.BitsPerSecond / 8 / 1e6, nil
}

// background programs of the workloads (servers), stopped by cleanup
var background []*exec.Cmd

func startBackground(c *exec.Cmd) error {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.Start(); err != nil {
		return err
	}
	background = append(background, c)
	return nil
}

func stopBackground() {
	for _, c := range background {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		c.Wait()
	}
	background = nil
}

// freePort is a TCP port of the loopback nobody listens on now.
func freePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until a socket listens on the loopback's port (read from /proc/net/tcp,
// without connecting: a connection would be a client to the server).
func waitListening(port int, limit time.Duration) error {
	want := fmt.Sprintf("0100007F:%04X", port)
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		f, err := os.Open("/proc/net/tcp")
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if fl := strings.Fields(sc.Text()); len(fl) > 3 && fl[1] == want && fl[3] == "0A" {
				f.Close()
				return nil
			}
		}
		f.Close()
	}
	return fmt.Errorf("nothing listens on 127.0.0.1:%d after %v", port, limit)
}

// echoServer answers every byte it receives with that byte, on a loopback port it returns.
func echoServer() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b := make([]byte, 1)
				for {
					if _, err := c.Read(b); err != nil {
						return
					}
					if _, err := c.Write(b); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// pingpong (`runtime pingpong ADDR N`, run in pasta's namespace) sends one byte and waits for it
// to come back, N times after a warm-up, and prints the median round trip in microseconds: the
// median of every round trip, not the mean of the run, so that a few slow ones (a timer, the
// scheduler moving pasta) do not decide the figure.
func pingpong(addr, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 {
		return fmt.Errorf("pingpong: a count, not %q", count)
	}
	c, err := net.DialTimeout("tcp4", addr, 10*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	b := make([]byte, 1)
	roundTrip := func() error {
		if _, err := c.Write(b); err != nil {
			return err
		}
		_, err := c.Read(b)
		return err
	}
	for i := 0; i < n/10; i++ {
		if err := roundTrip(); err != nil {
			return err
		}
	}
	took := make([]time.Duration, n)
	for i := range took {
		t0 := time.Now()
		if err := roundTrip(); err != nil {
			return err
		}
		took[i] = time.Since(t0)
	}
	slices.Sort(took)
	fmt.Printf("%.2f\n", float64(took[n/2].Nanoseconds())/1000)
	return nil
}
