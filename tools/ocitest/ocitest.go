// Package ocitest writes small OCI image layouts for tests: one layer holding the given files,
// built in process so the tests need no registry and no image on disk beforehand.
package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
)

// Descriptor is the subset of an OCI descriptor the layout needs.
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Image describes the single-layer image WriteLayout writes.
type Image struct {
	Arch  string            // GOARCH spelling, e.g. "arm64"; defaults to runtime.GOARCH
	Files map[string]string // path in the image -> content (mode 0755, so scripts run)
	Cmd   []string
	// Labels go into the image's configuration, Annotations onto its manifest
	Labels, Annotations map[string]string
}

// WriteLayout writes an OCI image layout at dir holding img under the given tag and returns
// the manifest's descriptor.
func WriteLayout(dir, tag string, img Image) (Descriptor, error) {
	if img.Arch == "" {
		img.Arch = runtime.GOARCH
	}
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return Descriptor{}, err
	}
	put := func(mediaType string, data []byte) (Descriptor, error) {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		if err := os.WriteFile(filepath.Join(blobs, h), data, 0o644); err != nil {
			return Descriptor{}, err
		}
		return Descriptor{MediaType: mediaType, Digest: "sha256:" + h, Size: int64(len(data))}, nil
	}
	layer, diffID, err := LayerTarGz(img.Files)
	if err != nil {
		return Descriptor{}, err
	}
	layerDesc, err := put("application/vnd.oci.image.layer.v1.tar+gzip", layer)
	if err != nil {
		return Descriptor{}, err
	}
	runConfig := map[string]any{"Cmd": img.Cmd, "Env": []string{"PATH=/bin"}}
	if img.Labels != nil {
		runConfig["Labels"] = img.Labels
	}
	config, _ := json.Marshal(map[string]any{
		"architecture": img.Arch,
		"os":           "linux",
		"config":       runConfig,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{diffID}},
	})
	configDesc, err := put("application/vnd.oci.image.config.v1+json", config)
	if err != nil {
		return Descriptor{}, err
	}
	manifestFields := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        configDesc,
		"layers":        []Descriptor{layerDesc},
	}
	if img.Annotations != nil {
		manifestFields["annotations"] = img.Annotations
	}
	manifest, _ := json.Marshal(manifestFields)
	manDesc, err := put("application/vnd.oci.image.manifest.v1+json", manifest)
	if err != nil {
		return Descriptor{}, err
	}
	manDesc.Annotations = map[string]string{"org.opencontainers.image.ref.name": tag}
	index, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []Descriptor{manDesc}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), index, 0o644); err != nil {
		return Descriptor{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		return Descriptor{}, err
	}
	manDesc.Annotations = nil
	return manDesc, nil
}

// LayerTarGz returns a gzipped layer holding files and the digest of its uncompressed tar (the
// diff ID).
func LayerTarGz(files map[string]string) ([]byte, string, error) {
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(n); d != "." && d != "/" && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	dirList := make([]string, 0, len(dirs))
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	for _, d := range dirList {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755}); err != nil {
			return nil, "", err
		}
	}
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: 0o755, Size: int64(len(files[n]))}); err != nil {
			return nil, "", err
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(tarBuf.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(tarBuf.Bytes()); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return gz.Bytes(), fmt.Sprintf("sha256:%x", sum), nil
}
