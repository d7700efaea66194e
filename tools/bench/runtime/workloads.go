package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// the workloads, in the order they run
func workloads() []*workload {
	return []*workload{startup(), crunLifecycle(), podmanRun(), podmanMany(), skopeoCopy(), pastaTraffic(), fuseOverlay()}
}

// commandTimeout bounds every command the benchmark runs (SIGKILL then: podman ignores SIGTERM)
const commandTimeout = 10 * time.Minute

// cmd runs a program, its output kept for the error; the error names the command and its output.
func cmd(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, tail(out))
	}
	return nil
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// timed runs the program n times and returns the mean time of one run, in milliseconds.
func timed(n int, name string, args ...string) (float64, error) {
	var total time.Duration
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
		defer cancel()
		c := exec.CommandContext(ctx, name, args...)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		t0 := time.Now()
		err := c.Run()
		total += time.Since(t0)
		if err != nil {
			return 0, fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, tail(out.Bytes()))
		}
	}
	return float64(total.Microseconds()) / 1000 / float64(n), nil
}

func (s *side) podmanArgs(args ...string) []string {
	return append(append([]string{}, s.podmanArg...), args...)
}

func noPrepare([]*side) error { return nil }

// 7. startup: a static binary's page-in against a dynamic one's loader
func startup() *workload {
	const n = 20
	w := &workload{name: "startup", prepare: noPrepare}
	w.metrics = []*metric{
		{name: "startup: podman version", unit: "ms", less: true},
		{name: "startup: skopeo --version", unit: "ms", less: true},
		{name: "startup: crun --version", unit: "ms", less: true},
	}
	w.measure = func(s *side) (map[string]float64, error) {
		out := map[string]float64{}
		var err error
		if out[w.metrics[0].name], err = timed(n, s.podman, s.podmanArgs("version")...); err != nil {
			return nil, err
		}
		if out[w.metrics[1].name], err = timed(n, s.skopeo, "--version"); err != nil {
			return nil, err
		}
		if out[w.metrics[2].name], err = timed(n, s.crun, "--version"); err != nil {
			return nil, err
		}
		return out, nil
	}
	return w
}

// the container payload: busybox (Debian's busybox-static, in this root) as /bin/true, /bin/sh...
func rootfs(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return err
	}
	for _, d := range []string{"proc", "dev", "sys", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile("/bin/busybox", filepath.Join(dir, "bin", "busybox"), 0o755); err != nil {
		return fmt.Errorf("the payload (Debian's busybox-static): %w", err)
	}
	for _, applet := range []string{"true", "sh", "sleep", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", applet)); err != nil && !os.IsExist(err) {
			return err
		}
	}
	return nil
}

// 1. crun: run (create, start, wait, delete) of a trivial container, per container
func crunLifecycle() *workload {
	const n = 20
	w := &workload{name: "crun", metrics: []*metric{{name: "crun run (create, start, wait, delete)", unit: "ms", less: true}}}
	bundle := filepath.Join(*workDir, "bundle")
	w.prepare = func(sides []*side) error {
		if err := rootfs(filepath.Join(bundle, "rootfs")); err != nil {
			return err
		}
		// one configuration for both: our crun's default, not interactive, running /bin/true
		spec, err := exec.Command(sides[0].crun, "spec", "--bundle", bundle).CombinedOutput()
		if err != nil {
			return fmt.Errorf("crun spec: %v: %s", err, spec)
		}
		path := filepath.Join(bundle, "config.json")
		var cfg map[string]any
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &cfg); err != nil {
			return err
		}
		proc := cfg["process"].(map[string]any)
		proc["terminal"] = false
		proc["args"] = []string{"/bin/true"}
		data, _ = json.MarshalIndent(cfg, "", "  ")
		return os.WriteFile(path, data, 0o644)
	}
	count := 0
	w.measure = func(s *side) (map[string]float64, error) {
		state := filepath.Join(s.work, "crun-state")
		var total time.Duration
		for i := 0; i < n; i++ {
			count++
			id := fmt.Sprintf("rst-bench-%s-%d", s.name, count)
			t0 := time.Now()
			// run: create, start, wait, and delete once the container exited
			if err := cmd(s.crun, "--root", state, "run", "--bundle", bundle, id); err != nil {
				return nil, err
			}
			total += time.Since(t0)
		}
		return map[string]float64{w.metrics[0].name: float64(total.Microseconds()) / 1000 / n}, nil
	}
	return w
}

// tarDir writes dir's tree as a tar file (the image podman imports), with extra files added.
func tarDir(dir, out string, extra map[string]string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		link := ""
		if fi.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name, _ = filepath.Rel(dir, p)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			_, err = io.Copy(tw, in)
			return err
		}
		return nil
	})
	for name, body := range extra {
		if err == nil {
			err = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		}
		if err == nil {
			_, err = tw.Write([]byte(body))
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// the payload image, imported into each side's storage as localhost/bench:1
func prepareImage(sides []*side) error {
	dir := filepath.Join(*workDir, "image-rootfs")
	tarball := filepath.Join(*workDir, "image.tar")
	if _, err := os.Stat(tarball); err == nil {
		return nil
	}
	if err := rootfs(dir); err != nil {
		return err
	}
	if err := tarDir(dir, tarball, nil); err != nil {
		return err
	}
	for _, s := range sides {
		if err := cmd(s.podman, s.podmanArgs("import", tarball, "localhost/bench:1")...); err != nil {
			return err
		}
	}
	return nil
}

// 2. podman run --rm --init: podman, conmon, crun and catatonit, end to end, as root (no pids
// limit: the cgroup v2 hierarchy here has no controllers, the host's are on v1)
func podmanRun() *workload {
	const n = 10
	w := &workload{name: "podman-run", prepare: prepareImage,
		metrics: []*metric{{name: "podman run --rm --init", unit: "ms", less: true}}}
	w.measure = func(s *side) (map[string]float64, error) {
		ms, err := timed(n, s.podman, s.podmanArgs("run", "--rm", "--init", "--network", "none", "--cgroup-parent", "/rst-bench", "--pids-limit", "0", "localhost/bench:1", "/bin/true")...)
		return map[string]float64{w.metrics[0].name: ms}, err
	}
	return w
}

// 6. podman with many containers and images: ps -a and images (the sqlite database, through
// mimalloc in ours)
func podmanMany() *workload {
	const n = 5
	w := &workload{name: "podman-many", metrics: []*metric{
		{name: "podman ps -a", unit: "ms", less: true},
		{name: "podman images", unit: "ms", less: true},
	}}
	w.metrics[0].note = fmt.Sprintf("%d containers", *nCtrs)
	w.metrics[1].note = fmt.Sprintf("%d images", *nImages)
	w.prepare = func(sides []*side) error {
		if err := prepareImage(sides); err != nil {
			return err
		}
		dir := filepath.Join(*workDir, "image-rootfs")
		for i := 1; i < *nImages; i++ {
			tarball := filepath.Join(*workDir, fmt.Sprintf("image-%d.tar", i))
			if err := tarDir(dir, tarball, map[string]string{"id": fmt.Sprint(i)}); err != nil {
				return err
			}
			for _, s := range sides {
				if err := cmd(s.podman, s.podmanArgs("import", tarball, fmt.Sprintf("localhost/bench-%d:1", i))...); err != nil {
					return err
				}
			}
			os.Remove(tarball)
		}
		progress("podman-many: %d images in each side's storage; creating %d containers each", *nImages, *nCtrs)
		for i := 0; i < *nCtrs; i++ {
			for _, s := range sides {
				if err := cmd(s.podman, s.podmanArgs("create", "--network", "none", "--cgroup-parent", "/rst-bench", "--pids-limit", "0", "localhost/bench:1", "/bin/true")...); err != nil {
					return err
				}
			}
		}
		return nil
	}
	w.measure = func(s *side) (map[string]float64, error) {
		ps, err := timed(n, s.podman, s.podmanArgs("ps", "-a")...)
		if err != nil {
			return nil, err
		}
		im, err := timed(n, s.podman, s.podmanArgs("images")...)
		return map[string]float64{w.metrics[0].name: ps, w.metrics[1].name: im}, err
	}
	return w
}

// an OCI layout of *imageMiB MiB in four uncompressed layers: two of random bytes
// (incompressible), two of text (compressible)
func writeOCIImage(dir string) (int64, error) {
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return 0, err
	}
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int64  `json:"size"`
	}
	putBlob := func(data []byte, mt string) (desc, error) {
		sum := sha256.Sum256(data)
		d := desc{mt, "sha256:" + hex.EncodeToString(sum[:]), int64(len(data))}
		return d, os.WriteFile(filepath.Join(blobs, hex.EncodeToString(sum[:])), data, 0o644)
	}
	layerSize := int64(*imageMiB) << 20 / 4
	var layers []desc
	var diffIDs []string
	var total int64
	rng := rand.NewChaCha8([32]byte{1})
	for i := 0; i < 4; i++ {
		tmp := filepath.Join(blobs, "tmp")
		f, err := os.Create(tmp)
		if err != nil {
			return 0, err
		}
		h := sha256.New()
		tw := tar.NewWriter(io.MultiWriter(f, h))
		if err := tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("layer-%d", i), Mode: 0o644, Size: layerSize, Typeflag: tar.TypeReg}); err != nil {
			return 0, err
		}
		buf := make([]byte, 1<<20)
		for written := int64(0); written < layerSize; written += int64(len(buf)) {
			if i%2 == 0 {
				rng.Read(buf)
			} else {
				var line bytes.Buffer
				for line.Len() < len(buf) {
					fmt.Fprintf(&line, "line %d of a compressible layer: the quick brown fox jumps over the lazy dog\n", written+int64(line.Len()))
				}
				copy(buf, line.Bytes())
			}
			if _, err := tw.Write(buf); err != nil {
				return 0, err
			}
		}
		if err := tw.Close(); err != nil {
			return 0, err
		}
		st, _ := f.Stat()
		if err := f.Close(); err != nil {
			return 0, err
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if err := os.Rename(tmp, filepath.Join(blobs, sum)); err != nil {
			return 0, err
		}
		layers = append(layers, desc{"application/vnd.oci.image.layer.v1.tar", "sha256:" + sum, st.Size()})
		diffIDs = append(diffIDs, "sha256:"+sum)
		total += st.Size()
	}
	config, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs}, "config": map[string]any{}})
	cd, err := putBlob(config, "application/vnd.oci.image.config.v1+json")
	if err != nil {
		return 0, err
	}
	manifest, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": cd, "layers": layers})
	md, err := putBlob(manifest, "application/vnd.oci.image.manifest.v1+json")
	if err != nil {
		return 0, err
	}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{
		"mediaType": md.MediaType, "digest": md.Digest, "size": md.Size,
		"annotations": map[string]string{"org.opencontainers.image.ref.name": "bench"}}}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		return 0, err
	}
	return total, os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// 3. skopeo copy of a large image: oci: → oci: recompressed to gzip and to zstd, and oci: → dir:
func skopeoCopy() *workload {
	src := filepath.Join(*workDir, "oci-src")
	var size int64
	w := &workload{name: "skopeo", metrics: []*metric{
		{name: "skopeo copy oci: → oci: gzip", unit: "MB/s"},
		{name: "skopeo copy oci: → oci: zstd", unit: "MB/s"},
		{name: "skopeo copy oci: → dir:", unit: "MB/s"},
	}}
	for _, m := range w.metrics {
		m.note = fmt.Sprintf("%d MiB", *imageMiB)
	}
	w.prepare = func([]*side) error {
		var err error
		progress("skopeo: writing a %d MiB image (half random, half text)", *imageMiB)
		size, err = writeOCIImage(src)
		return err
	}
	w.measure = func(s *side) (map[string]float64, error) {
		out := map[string]float64{}
		for i, args := range [][]string{
			{"--dest-compress-format", "gzip", "oci:" + src + ":bench", "oci:" + filepath.Join(s.work, "oci-gzip") + ":bench"},
			{"--dest-compress-format", "zstd", "oci:" + src + ":bench", "oci:" + filepath.Join(s.work, "oci-zstd") + ":bench"},
			{"oci:" + src + ":bench", "dir:" + filepath.Join(s.work, "dir")},
		} {
			ms, err := timed(1, s.skopeo, append([]string{"--insecure-policy", "copy", "-q"}, args...)...)
			if err != nil {
				return nil, err
			}
			out[w.metrics[i].name] = float64(size) / 1e6 / (ms / 1000)
			for _, d := range []string{"oci-gzip", "oci-zstd", "dir"} {
				os.RemoveAll(filepath.Join(s.work, d))
			}
		}
		return out, nil
	}
	return w
}

// a tar of n small files (100 to 4,000 bytes) in directories of 100
func writeSmallFiles(out string, n int) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	rng := rand.New(rand.NewPCG(1, 2))
	body := bytes.Repeat([]byte("small file content "), 220)
	for i := 0; i < n && err == nil; i++ {
		if i%100 == 0 {
			err = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%04d/", i/100), Mode: 0o755, Typeflag: tar.TypeDir})
		}
		size := 100 + rng.IntN(3900)
		if err == nil {
			err = tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("d%04d/f%06d", i/100, i), Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg})
		}
		if err == nil {
			_, err = tw.Write(body[:size])
		}
	}
	if err == nil {
		err = tw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// 5. fuse-overlayfs: unpacking many small files onto a mount, and a large file written and read
func fuseOverlay() *workload {
	const bigMiB = 1024
	small := filepath.Join(*workDir, "small.tar")
	w := &workload{name: "fuse-overlayfs", metrics: []*metric{
		{name: "fuse-overlayfs: unpack small files", unit: "s", less: true, note: fmt.Sprintf("%d files", *nFiles)},
		{name: "fuse-overlayfs: write a large file", unit: "MB/s", note: fmt.Sprintf("%d MiB", bigMiB)},
		{name: "fuse-overlayfs: read a large file", unit: "MB/s", note: fmt.Sprintf("%d MiB", bigMiB)},
		// the daemon's own CPU time (user + system) for the same work: what the build of
		// fuse-overlayfs decides, apart from the disk's and the page cache's share of the time
		{name: "fuse-overlayfs: its CPU time for the unpack", unit: "s", less: true},
		{name: "fuse-overlayfs: its CPU time for the large file's write and read", unit: "s", less: true},
	}}
	w.prepare = func([]*side) error { return writeSmallFiles(small, *nFiles) }
	w.measure = func(s *side) (map[string]float64, error) {
		base := filepath.Join(s.work, "fuse")
		os.RemoveAll(base)
		dirs := map[string]string{}
		for _, d := range []string{"lower", "upper", "work", "mnt"} {
			dirs[d] = filepath.Join(base, d)
			if err := os.MkdirAll(dirs[d], 0o755); err != nil {
				return nil, err
			}
		}
		if err := cmd(s.fuseOvl, "-o", "lowerdir="+dirs["lower"]+",upperdir="+dirs["upper"]+",workdir="+dirs["work"], dirs["mnt"]); err != nil {
			return nil, err
		}
		defer func() {
			syscall.Unmount(dirs["mnt"], syscall.MNT_DETACH)
			os.RemoveAll(base)
		}()
		daemon, err := findDaemon(s.fuseOvl, dirs["mnt"])
		if err != nil {
			return nil, err
		}
		out := map[string]float64{}
		c0 := cpuSeconds(daemon)
		t0 := time.Now()
		if err := cmd("/bin/tar", "-xf", small, "-C", dirs["mnt"]); err != nil {
			return nil, err
		}
		out[w.metrics[0].name] = time.Since(t0).Seconds()
		c1 := cpuSeconds(daemon)
		out[w.metrics[3].name] = c1 - c0
		big := filepath.Join(dirs["mnt"], "big")
		buf := make([]byte, 1<<20)
		t0 = time.Now()
		f, err := os.Create(big)
		if err != nil {
			return nil, err
		}
		for i := 0; i < bigMiB; i++ {
			if _, err := f.Write(buf); err != nil {
				f.Close()
				return nil, err
			}
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		f.Close()
		out[w.metrics[1].name] = float64(bigMiB<<20) / 1e6 / time.Since(t0).Seconds()
		t0 = time.Now()
		f, err = os.Open(big)
		if err != nil {
			return nil, err
		}
		n, err := io.CopyBuffer(io.Discard, f, buf)
		f.Close()
		if err != nil || n != bigMiB<<20 {
			return nil, fmt.Errorf("reading back %s: %d bytes, %v", big, n, err)
		}
		out[w.metrics[2].name] = float64(bigMiB<<20) / 1e6 / time.Since(t0).Seconds()
		out[w.metrics[4].name] = cpuSeconds(daemon) - c1
		return out, nil
	}
	return w
}

// findDaemon is the pid of the fuse-overlayfs process serving mnt (it forks into the background).
func findDaemon(program, mnt string) (int, error) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
		if len(args) > 1 && args[0] == program && args[len(args)-1] == mnt {
			var pid int
			fmt.Sscanf(filepath.Base(filepath.Dir(p)), "%d", &pid)
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no %s process serving %s", program, mnt)
}

// cpuSeconds is a process's CPU time so far, user and system (its threads included), from
// /proc/PID/stat; 0 once the process is gone.
func cpuSeconds(pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the fields after the command's closing parenthesis: utime and stime are the 12th and 13th
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	var ut, st float64
	fmt.Sscanf(f[11], "%g", &ut)
	fmt.Sscanf(f[12], "%g", &st)
	return (ut + st) / 100 // clock ticks: USER_HZ is 100 on Linux
}

// cleanup removes what the benchmark made: its mounts (in this mount namespace), the cgroups its
// containers left, and the scratch directory.
func cleanup() {
	stopBackground()
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var mounts []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && strings.HasPrefix(f[4], *workDir+"/") {
			mounts = append(mounts, f[4])
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
	if err := os.RemoveAll(*workDir); err != nil {
		progress("cleanup: %v", err)
	}
	// the cgroups of crun's containers (named after them) and podman's parent, in every hierarchy
	groups, _ := filepath.Glob("/sys/fs/cgroup/*/rst-bench*")
	more, _ := filepath.Glob("/sys/fs/cgroup/rst-bench*")
	for _, g := range append(groups, more...) {
		removeCgroup(g)
	}
}

// removeCgroup removes a cgroup and those below it (rmdir, deepest first).
func removeCgroup(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			removeCgroup(filepath.Join(dir, e.Name()))
		}
	}
	if err := os.Remove(dir); err != nil {
		progress("cleanup: cgroup %s: %v", dir, err)
	}
}
