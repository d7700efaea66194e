package advisories

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/vulndbpin"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// VulnDBFile pins the Go vulnerability database the gate reads.
const VulnDBFile = vulndbpin.File

const vulndbModule = vulndbpin.Module

// VulnDB is the pinned database and where the watch moves it.
type VulnDB struct {
	From, To   string // pseudo-versions; To == From: not moved
	FromSum    string
	ToSum      string
	aliases    map[string]bool   // every id and alias of the reports at To
	goIDs      map[string]string // alias -> the id of the report that has it
	newFile    []byte            // the pin file moved to To (nil: unchanged)
	reportsLen int
}

// Moved reports whether the pin moves.
func (d *VulnDB) Moved() bool { return d.To != d.From }

// moveVulnDB reads the pin, asks the Go module proxy for the database's newest version, and
// downloads the version it will pin (checking the pinned one's hash when it stays): its
// reports say which advisories the gate's database covers.
func moveVulnDB(ctx context.Context, root string, src *upstream.Sources) (*VulnDB, error) {
	pin, err := vulndbpin.Read(root)
	if err != nil {
		return nil, err
	}
	d := &VulnDB{From: pin.Version, FromSum: pin.Sum}
	latest, err := src.GoModuleLatest(ctx, vulndbModule)
	if err != nil {
		return nil, err
	}
	if !semver.IsValid(latest) {
		return nil, fmt.Errorf("the Go module proxy's newest %s: %q is not a version", vulndbModule, latest)
	}
	d.To = d.From
	if semver.Compare(latest, d.From) > 0 {
		d.To = latest
	}
	zipData, err := src.GoModuleZipData(ctx, vulndbModule, d.To)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(zipData), int64(len(zipData)))
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", vulndbModule, d.To, err)
	}
	var names []string
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		files[f.Name] = f
	}
	if d.ToSum, err = dirhash.Hash1(names, func(name string) (io.ReadCloser, error) { return files[name].Open() }); err != nil {
		return nil, err
	}
	if !d.Moved() && d.ToSum != d.FromSum {
		return nil, fmt.Errorf("%s@%s from the proxy hashes to %s, but %s pins %s", vulndbModule, d.To, d.ToSum, VulnDBFile, d.FromSum)
	}
	d.aliases, d.goIDs = map[string]bool{}, map[string]string{}
	prefix := vulndbModule + "@" + d.To + "/data/osv/"
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, prefix) || !strings.HasSuffix(f.Name, ".json") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		var report struct {
			ID      string   `json:"id"`
			Aliases []string `json:"aliases"`
		}
		err = json.NewDecoder(rc).Decode(&report)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		d.reportsLen++
		d.aliases[report.ID] = true
		for _, a := range report.Aliases {
			d.aliases[a] = true
			d.goIDs[a] = report.ID
		}
	}
	if d.reportsLen == 0 {
		return nil, fmt.Errorf("%s@%s has no reports under data/osv/", vulndbModule, d.To)
	}
	if d.Moved() {
		d.newFile = pin.Moved(d.To, d.ToSum)
	}
	return d, nil
}

// covers says whether the database has a report with any of these ids.
func (d *VulnDB) covers(ids []string) bool {
	for _, id := range ids {
		if d.aliases[id] {
			return true
		}
	}
	return false
}
