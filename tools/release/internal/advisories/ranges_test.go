package advisories

import "testing"

func TestInRange(t *testing.T) {
	for _, c := range []struct {
		version, rng string
		want         bool
	}{
		{"v1.45.0", "< 1.46.1", true},
		{"v1.46.1", "< 1.46.1", false},
		{"v1.45.0", ">= 1.45.0, < 1.45.2", true},
		{"v1.44.9", ">= 1.45.0, < 1.45.2", false},
		{"v1.45.0", "<= 1.45.0", true},
		{"v1.45.0", "= 1.45.0", true},
		{"v1.45.0", "> 1.45.0", false},
		{"v0.0.0-20260101000000-abcdef012345", "< 0.1.0", true}, // a pseudo-version before v0.1.0
		{"v5.39.2+incompatible", "< 5.40.0", true},
		{"1.21", "< 1.27", true},   // crun's versions: MAJOR.MINOR
		{"1.21", "< 1.9", false},   // numbers, not strings
		{"1.21", ">= 1.10", true},  // 1.21 > 1.10
		{"2.1.0", "< 2.1.1", true}, // netavark
		{"20250303", "< 20250401", true},
	} {
		got, err := InRange(c.version, c.rng)
		if err != nil || got != c.want {
			t.Errorf("InRange(%q, %q) = %v, %v; want %v", c.version, c.rng, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "~> 1.2", "<", "1.2 - 1.4"} {
		if _, err := InRange("1.0", bad); err == nil {
			t.Errorf("InRange(1.0, %q): want an error", bad)
		}
	}
}
