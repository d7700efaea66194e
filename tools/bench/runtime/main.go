// Command runtime is `go run ./tools/bench runtime`'s measuring half: it runs the same workloads with our
// static programs and with Debian's builds of the same programs, alternating A/B, several
// repetitions, and prints (and writes) each workload's median, spread and the ratio ours/Debian's.
// tools/bench/runtime.sh builds it static and runs it as root inside the benchmark's own Debian
// root, where Debian's programs are installed and ours unpacked, so both run on one kernel, one
// file system and one set of libraries around them.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// side is one set of programs: ours (from the archives) or Debian's.
type side struct {
	name      string
	podman    string // podman; podmanArg are the global flags that give the side its own storage
	crun      string
	skopeo    string
	fuseOvl   string
	pasta     string
	podmanArg []string
	work      string // the side's scratch directory
}

// metric is one line of the result: what was measured, with which unit, and whether less is
// better (seconds) or more (MB/s).
type metric struct {
	name, unit string
	less       bool
	ours, deb  []float64
	note       string
	alone      bool // pasta: measured with pasta alone, without its AVX2 build beside it
}

// workload prepares both sides (outside the timing), then measures one repetition of a side.
type workload struct {
	name    string
	prepare func(sides []*side) error
	measure func(s *side) (map[string]float64, error) // metric name -> value
	metrics []*metric
	remark  string // what the table leaves out, and why (printed under it)
}

var (
	ours     = flag.String("ours", "", "our podman-full (5 line) archive, unpacked: its top directory")
	skopeoD  = flag.String("skopeo", "", "our skopeo archive, unpacked: its top directory")
	workDir  = flag.String("work", "/var/tmp/rst-bench-runtime", "scratch directory (made, and removed at the end)")
	reps     = flag.Int("reps", 5, "repetitions of each workload per side (A/B alternating)")
	only     = flag.String("only", "", "comma-separated workloads to run (default all): "+strings.Join(workloadNames(), ","))
	imageMiB = flag.Int("image-mib", 1024, "skopeo: the generated image's size in MiB (half incompressible, half compressible)")
	nFiles   = flag.Int("files", 50000, "fuse-overlayfs: the small files unpacked")
	nCtrs    = flag.Int("containers", 200, "podman-many: the created containers")
	nImages  = flag.Int("images", 50, "podman-many: the images")
	outDir   = flag.String("out", "", "write runtime.md (the table) and runtime.svg (the chart) here")
	budget   = flag.Duration("budget", 45*time.Minute, "start no repetition after this much time (the benchmark bounds itself)")
	versions = flag.String("versions", "", "a file naming both sides' program versions, copied into runtime.md")
)

func workloadNames() []string {
	var n []string
	for _, w := range workloads() {
		n = append(n, w.name)
	}
	return n
}

func main() {
	// the round-trip client the pasta workload runs in pasta's namespace
	if len(os.Args) == 4 && os.Args[1] == "pingpong" {
		if err := pingpong(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "pingpong:", err)
			os.Exit(1)
		}
		return
	}
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: runtime --ours DIR --skopeo DIR [flags]\n(run by go run ./tools/bench runtime, which says more: go run ./tools/bench --help)\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *ours == "" || *skopeoD == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench runtime:", err)
		os.Exit(1)
	}
}

func run() error {
	start := time.Now()
	if err := os.MkdirAll(*workDir, 0o755); err != nil {
		return err
	}
	defer cleanup()
	// cgroup v2 alone (this mount namespace's view of the host's unified hierarchy): Debian's crun
	// refuses a hybrid host's cgroups, ours takes them; on v2 both do the same work
	if err := syscall.Mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, ""); err != nil {
		return fmt.Errorf("mounting cgroup2 on /sys/fs/cgroup: %w", err)
	}
	// podman's locks: files in each side's own tmpdir, not the shared memory segment both
	// podmans (and the host's) would otherwise share; /dev/shm of this namespace's own
	if err := syscall.Mount("tmpfs", "/dev/shm", "tmpfs", 0, "mode=1777"); err != nil {
		return fmt.Errorf("mounting a tmpfs on /dev/shm: %w", err)
	}
	// rootless pasta opens /dev/net/tun, which distributions' udev rules make 0666; a machine
	// without them (a build machine's may be 0600) gets a node of its own here
	if err := syscall.Mount("tmpfs", "/dev/net", "tmpfs", 0, "mode=0755"); err != nil {
		return fmt.Errorf("mounting a tmpfs on /dev/net: %w", err)
	}
	if err := syscall.Mknod("/dev/net/tun", syscall.S_IFCHR|0o666, int(mkdev(10, 200))); err != nil {
		return fmt.Errorf("making /dev/net/tun: %w", err)
	}
	if err := os.Chmod("/dev/net/tun", 0o666); err != nil {
		return err
	}
	override := filepath.Join(*workDir, "containers-override.conf")
	if err := os.WriteFile(override, []byte("[engine]\nlock_type = \"file\"\n"), 0o644); err != nil {
		return err
	}
	os.Setenv("CONTAINERS_CONF_OVERRIDE", override)
	lib := filepath.Join(*ours, "lib", "podman")
	o := &side{name: "ours", podman: filepath.Join(*ours, "bin", "podman"), crun: filepath.Join(lib, "crun"),
		skopeo: filepath.Join(*skopeoD, "bin", "skopeo"), fuseOvl: filepath.Join(*ours, "bin", "fuse-overlayfs"),
		pasta: filepath.Join(lib, "pasta")}
	d := &side{name: "debian", podman: "/usr/bin/podman", crun: "/usr/bin/crun", skopeo: "/usr/bin/skopeo",
		fuseOvl: "/usr/bin/fuse-overlayfs", pasta: "/usr/bin/pasta"}
	sides := []*side{o, d}
	for _, s := range sides {
		s.work = filepath.Join(*workDir, s.name)
		for _, sub := range []string{"storage", "run", "tmp"} {
			if err := os.MkdirAll(filepath.Join(s.work, sub), 0o755); err != nil {
				return err
			}
		}
		// each side its own storage, run directory and cgroup parent; no systemd here
		s.podmanArg = []string{"--root", filepath.Join(s.work, "storage"), "--runroot", filepath.Join(s.work, "run"),
			"--tmpdir", filepath.Join(s.work, "tmp"), "--cgroup-manager", "cgroupfs", "--events-backend", "file",
			"--storage-driver", "overlay"}
	}
	var selected []*workload
	want := map[string]bool{}
	for _, n := range strings.Split(*only, ",") {
		if n != "" {
			want[n] = true
		}
	}
	for _, w := range workloads() {
		if *only == "" || want[w.name] {
			selected = append(selected, w)
			delete(want, w.name)
		}
	}
	for n := range want {
		return fmt.Errorf("--only: no workload %q (%s)", n, strings.Join(workloadNames(), ", "))
	}
	for _, w := range selected {
		progress("%s: preparing both sides", w.name)
		if err := w.prepare(sides); err != nil {
			return fmt.Errorf("%s: preparing: %w", w.name, err)
		}
		for r := 0; r < *reps; r++ {
			if r > 0 && time.Since(start) > *budget {
				progress("%s: the time budget (%v) is spent: %d repetitions", w.name, *budget, r)
				break
			}
			// A/B, then B/A: neither side always runs on a warmer machine
			order := sides
			if r%2 == 1 {
				order = []*side{d, o}
			}
			for _, s := range order {
				vals, err := w.measure(s)
				if err != nil {
					return fmt.Errorf("%s (%s): %w", w.name, s.name, err)
				}
				for _, m := range w.metrics {
					v, ok := vals[m.name]
					if !ok {
						return fmt.Errorf("%s (%s): no value for %s", w.name, s.name, m.name)
					}
					if s == o {
						m.ours = append(m.ours, v)
					} else {
						m.deb = append(m.deb, v)
					}
				}
			}
			progress("%s: repetition %d of %d done", w.name, r+1, *reps)
		}
	}
	var all []*metric
	var remarks []string
	for _, w := range selected {
		all = append(all, w.metrics...)
		if w.remark != "" {
			remarks = append(remarks, w.remark)
		}
	}
	table := formatTable(all)
	for _, r := range remarks {
		table += "\n" + r + "\n"
	}
	fmt.Print(table)
	if *outDir != "" {
		return writeResults(*outDir, all, table, time.Since(start))
	}
	return nil
}

// mkdev is the device number of major:minor (the kernel's new_encode_dev).
func mkdev(major, minor uint32) uint64 {
	return uint64(minor&0xff) | uint64(major&0xfff)<<8 | uint64(minor&^0xff)<<12
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[bench runtime %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// median, min and max of xs.
func stats(xs []float64) (med, lo, hi float64) {
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0, 0, 0
	}
	if n%2 == 1 {
		med = s[n/2]
	} else {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

// ratio is ours' cost over Debian's: above 1, ours is slower.
func (m *metric) ratio() float64 {
	o, _, _ := stats(m.ours)
	d, _, _ := stats(m.deb)
	if o == 0 || d == 0 {
		return 0
	}
	if m.less {
		return o / d
	}
	return d / o
}

func formatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		return fmt.Sprintf("%.2f", v)
	case "MB/s":
		return fmt.Sprintf("%.0f", v)
	case "µs":
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// formatTable is the result as a Markdown table: workload, ours, Debian's (median and range over
// the repetitions), and the ratio.
func formatTable(all []*metric) string {
	var b strings.Builder
	b.WriteString("| workload | unit | ours (median, range) | Debian's (median, range) | ours/Debian's cost |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, m := range all {
		om, ol, oh := stats(m.ours)
		dm, dl, dh := stats(m.deb)
		fmt.Fprintf(&b, "| %s | %s | %s (%s–%s) | %s (%s–%s) | %.2fx |\n", label(m), m.unit,
			formatValue(om, m.unit), formatValue(ol, m.unit), formatValue(oh, m.unit),
			formatValue(dm, m.unit), formatValue(dl, m.unit), formatValue(dh, m.unit), m.ratio())
	}
	return b.String()
}

func writeResults(dir string, all []*metric, table string, took time.Duration) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	host, _ := os.Hostname()
	var b strings.Builder
	fmt.Fprintf(&b, "# Runtime: our static programs against Debian's\n\n")
	fmt.Fprintf(&b, "`go run ./tools/bench runtime`, %s, on %s (%s, %d repetitions per side, A/B alternating; took %s).\n",
		time.Now().UTC().Format("2006-01-02"), host, cpuModel(), *reps, took.Round(time.Second))
	b.WriteString("The cost ratio is ours over Debian's: time over time, or Debian's MB/s over ours; above 1.00 ours is slower.\n\n")
	b.WriteString("![ours/Debian's cost per workload](runtime.svg)\n\n")
	b.WriteString(table)
	if *versions != "" {
		if v, err := os.ReadFile(*versions); err == nil {
			b.WriteString("\nVersions:\n\n")
			b.Write(v)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "runtime.md"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "runtime.svg"), []byte(chart(all)), 0o644)
}

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	n := 0
	model := ""
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "model name") {
			n++
			if _, v, ok := strings.Cut(l, ":"); ok {
				model = strings.TrimSpace(v)
			}
		}
	}
	return fmt.Sprintf("%d × %s", n, model)
}

// copyFile copies src to dst with mode.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
