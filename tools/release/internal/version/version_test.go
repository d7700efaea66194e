package version

import "testing"

func TestParse(t *testing.T) {
	good := map[string]Version{
		"5.8.4":      {5, 8, 4, ""},
		"v5.8.4":     {5, 8, 4, ""},
		"v6.0.0-rc1": {6, 0, 0, "rc1"},
	}
	for in, want := range good {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "5.8", "latest", "v5.8.4.1", "5.8.x", "v1.2.3 ", "podman-v5.8.4"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded; want an error", in)
		}
	}
}

func TestCompare(t *testing.T) {
	ordered := []string{"1.9.9", "1.10.0", "1.10.1", "2.0.0-rc1", "2.0.0-rc2", "2.0.0"}
	for i := range ordered {
		for j := range ordered {
			a, _ := Parse(ordered[i])
			b, _ := Parse(ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d; want %d", a, b, got, want)
			}
		}
	}
}

func TestLine(t *testing.T) {
	l, err := ParseLine("5.x")
	if err != nil {
		t.Fatal(err)
	}
	v5, _ := Parse("5.8.4")
	v6, _ := Parse("6.0.0")
	if !l.Contains(v5) || l.Contains(v6) {
		t.Errorf("line 5.x: Contains(5.8.4)=%v Contains(6.0.0)=%v", l.Contains(v5), l.Contains(v6))
	}
	m, err := ParseLine("1.41.x")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Parse("1.41.3")
	b, _ := Parse("1.42.0")
	if !m.Contains(a) || m.Contains(b) || m.String() != "1.41.x" {
		t.Errorf("line 1.41.x misbehaves")
	}
	for _, in := range []string{"5", "x", "5.*", "v5.x", "5.x.x"} {
		if _, err := ParseLine(in); err == nil {
			t.Errorf("ParseLine(%q) succeeded; want an error", in)
		}
	}
}
