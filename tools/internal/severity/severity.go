// Package severity is the release's rule on known vulnerabilities it ships, written once for the
// tool that writes the OpenVEX documents (tools/vulncheck) and the one that publishes them
// (tools/release): an affected statement carries the advisory's CVSS base score in its action
// statement, and no release may carry an affected advisory scored Refused or more, nor one still
// under investigation.
package severity

import (
	"fmt"
	"regexp"
	"strconv"
)

// Refused is the lowest CVSS base score a release may not ship as affected.
const Refused = 7.0

// Note is how an affected statement states the score: "(CVSS 5.3)".
func Note(score float64) string {
	return fmt.Sprintf("(CVSS %.1f)", score)
}

var note = regexp.MustCompile(`\(CVSS ([0-9]+(?:\.[0-9])?)\)`)

// FromNote reads the score a statement's text states with Note.
func FromNote(text string) (float64, bool) {
	m := note.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	score, err := strconv.ParseFloat(m[1], 64)
	return score, err == nil
}

// Publishable says whether a release may carry an OpenVEX statement of this status whose text
// is statement; when not, it says why.
func Publishable(status, statement string) (bool, string) {
	switch status {
	case "under_investigation":
		return false, "still under investigation: decide it (a patch of ours, not_affected with its proof, or affected with its score)"
	case "affected":
		score, ok := FromNote(statement)
		if !ok {
			return false, "affected without a CVSS score in its action statement"
		}
		if score >= Refused {
			return false, fmt.Sprintf("affected, CVSS %.1f (%.1f or more): carry upstream's fix as a patch of ours first", score, Refused)
		}
	}
	return true, ""
}
