package advisories

import (
	"fmt"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

// InRange reports whether version is in a GitHub vulnerable_version_range: comma-separated
// constraints ("= 1.2.3", "< 1.4", ">= 1.0, < 1.2.3"), all of which must hold. Versions compare
// as semantic versions (a Go pseudo-version before its release) where both are, else as dotted
// numbers. A range it cannot read is an error: the caller records the advisory rather than
// guess.
func InRange(version, rng string) (bool, error) {
	if strings.TrimSpace(rng) == "" {
		return false, fmt.Errorf("empty vulnerable version range")
	}
	for _, c := range strings.Split(rng, ",") {
		c = strings.TrimSpace(c)
		op := strings.TrimRight(c[:min(2, len(c))], "0123456789vV ")
		bound := strings.TrimSpace(c[len(op):])
		if bound == "" {
			return false, fmt.Errorf("range %q: constraint %q names no version", rng, c)
		}
		d := compare(version, bound)
		var ok bool
		switch op {
		case "=", "==":
			ok = d == 0
		case "<":
			ok = d < 0
		case "<=":
			ok = d <= 0
		case ">":
			ok = d > 0
		case ">=":
			ok = d >= 0
		default:
			return false, fmt.Errorf("range %q: constraint %q: unknown operator %q", rng, c, op)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func compare(a, b string) int {
	va, vb := "v"+strings.TrimPrefix(a, "v"), "v"+strings.TrimPrefix(b, "v")
	if semver.IsValid(va) && semver.IsValid(vb) {
		return semver.Compare(va, vb)
	}
	return upstream.Compare(strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v"))
}
