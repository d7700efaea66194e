// Package version parses upstream release tags and our release lines.
package version

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Version is a release version MAJOR.MINOR.PATCH with an optional
// pre-release suffix (e.g. "-rc1"), which marks it as not stable.
type Version struct {
	Major, Minor, Patch int
	Pre                 string
}

var tagRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$`)

// Parse accepts "5.8.4", "v5.8.4" and "v6.0.0-rc1".
func Parse(s string) (Version, error) {
	m := tagRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not a version of the form MAJOR.MINOR.PATCH", s)
	}
	var v Version
	for i, p := range []*int{&v.Major, &v.Minor, &v.Patch} {
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return Version{}, fmt.Errorf("%q: %v", s, err)
		}
		*p = n
	}
	v.Pre = m[4]
	return v, nil
}

// Stable reports whether v has no pre-release suffix.
func (v Version) Stable() bool { return v.Pre == "" }

// String prints the version without a leading "v".
func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if v.Pre != "" {
		s += "-" + v.Pre
	}
	return s
}

// Compare orders by major, minor, patch; a pre-release sorts before its release.
func (v Version) Compare(o Version) int {
	for _, d := range []int{v.Major - o.Major, v.Minor - o.Minor, v.Patch - o.Patch} {
		if d != 0 {
			if d < 0 {
				return -1
			}
			return 1
		}
	}
	switch {
	case v.Pre == o.Pre:
		return 0
	case v.Pre == "":
		return 1
	case o.Pre == "":
		return -1
	}
	return strings.Compare(v.Pre, o.Pre)
}

// Line is a tracked release line: "5.x" (a major) or "1.41.x" (a minor).
type Line struct {
	Major int
	Minor int // -1 when the line is a whole major
}

var lineRE = regexp.MustCompile(`^(\d+)\.(?:(\d+)\.)?x$`)

// ParseLine accepts "5.x" and "1.41.x".
func ParseLine(s string) (Line, error) {
	m := lineRE.FindStringSubmatch(s)
	if m == nil {
		return Line{}, fmt.Errorf("%q is not a release line of the form MAJOR.x or MAJOR.MINOR.x", s)
	}
	l := Line{Minor: -1}
	l.Major, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		l.Minor, _ = strconv.Atoi(m[2])
	}
	return l, nil
}

// Contains reports whether v belongs to the line.
func (l Line) Contains(v Version) bool {
	return v.Major == l.Major && (l.Minor < 0 || v.Minor == l.Minor)
}

func (l Line) String() string {
	if l.Minor < 0 {
		return fmt.Sprintf("%d.x", l.Major)
	}
	return fmt.Sprintf("%d.%d.x", l.Major, l.Minor)
}
