package check

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/pins"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// PartResult is the state of one part pinned in third_party/pins.json.
type PartResult struct {
	Part       string   `json:"part"`
	Pins       []string `json:"pins"`
	Source     string   `json:"source"` // where its releases are looked up
	Pinned     string   `json:"pinned"`
	Upstream   string   `json:"upstream,omitempty"`    // newest stable upstream release
	Bump       bool     `json:"bump"`                  // upstream's is newer than the pin
	NotTracked string   `json:"not_tracked,omitempty"` // why nobody looks
	Error      string   `json:"error,omitempty"`       // the look-up failed
}

// Parts compares each part with its newest stable upstream release. A part
// whose look-up fails gets its Error and the others are still checked.
func Parts(ctx context.Context, src *upstream.Sources, parts []*pins.Part, warn func(string, ...any)) []PartResult {
	var out []PartResult
	for _, p := range parts {
		r := PartResult{Part: p.Name, Source: upstream.Describe(p), Pinned: p.Version(), NotTracked: p.Untracked}
		for _, pin := range p.Pins {
			r.Pins = append(r.Pins, pin.Name)
		}
		if p.Untracked == "" {
			rel, err := src.Newest(ctx, p, warn)
			if err != nil {
				r.Error = err.Error()
			} else {
				r.Upstream = rel.Version
				// only forwards: a retracted upstream release must not move a pin back
				r.Bump = upstream.Compare(rel.Version, r.Pinned) > 0
			}
		}
		out = append(out, r)
	}
	return out
}

// PartsFailed counts the parts whose look-up failed.
func PartsFailed(results []PartResult) int {
	n := 0
	for _, r := range results {
		if r.Error != "" {
			n++
		}
	}
	return n
}

// PartMatrixEntry is one job of the pin-bump matrix.
type PartMatrixEntry struct {
	Part    string `json:"part"`
	Version string `json:"version"`
}

// PartMatrix is the GitHub Actions matrix {part, version} of the parts to bump.
func PartMatrix(results []PartResult) (string, int) {
	m := struct {
		Include []PartMatrixEntry `json:"include"`
	}{Include: []PartMatrixEntry{}}
	for _, r := range results {
		if r.Bump {
			m.Include = append(m.Include, PartMatrixEntry{r.Part, r.Upstream})
		}
	}
	b, _ := json.Marshal(m)
	return string(b), len(m.Include)
}

// DescribePart is the human-readable line for a part.
func DescribePart(r PartResult) string {
	head := fmt.Sprintf("pin %s %s", r.Part, r.Pinned)
	if len(r.Pins) > 1 {
		head += " (" + strings.Join(r.Pins, ", ") + ")"
	}
	switch {
	case r.NotTracked != "":
		return head + ": not tracked: " + r.NotTracked
	case r.Error != "":
		return head + ": cannot check: " + r.Error
	case r.Bump:
		return fmt.Sprintf("%s: upstream %s, from %s: bump %s to %s", head, r.Upstream, r.Source, r.Part, r.Upstream)
	}
	return fmt.Sprintf("%s: upstream %s, from %s: up to date", head, r.Upstream, r.Source)
}
