package advisories

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/vulndbpin"
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
func moveVulnDB(ctx context.Context, root, proxy string, client *http.Client) (*VulnDB, error) {
	pin, err := vulndbpin.Read(root)
	if err != nil {
		return nil, err
	}
	d := &VulnDB{From: pin.Version, FromSum: pin.Sum}
	if proxy == "" {
		return nil, fmt.Errorf("no Go module proxy (--goproxy): the vulnerability database cannot be looked up")
	}
	base := strings.TrimSuffix(proxy, "/") + "/" + vulndbModule + "/@"
	body, err := get(ctx, client, base+"latest")
	if err != nil {
		return nil, fmt.Errorf("the Go module proxy's newest %s: %w", vulndbModule, err)
	}
	var latest struct{ Version string }
	if err := json.Unmarshal(body, &latest); err != nil || !semver.IsValid(latest.Version) {
		return nil, fmt.Errorf("the Go module proxy's newest %s: not a version (%q, %v)", vulndbModule, latest.Version, err)
	}
	d.To = d.From
	if semver.Compare(latest.Version, d.From) > 0 {
		d.To = latest.Version
	}
	zipData, err := get(ctx, client, base+"v/"+d.To+".zip")
	if err != nil {
		return nil, fmt.Errorf("%s@%s: %w", vulndbModule, d.To, err)
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

func get(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}
