package severity

import "testing"

func TestPublishable(t *testing.T) {
	for _, c := range []struct {
		status, text string
		want         bool
	}{
		{"affected", "run only images you trust " + Note(10), false},
		{"affected", "no fix upstream " + Note(7), false},
		{"affected", "no fix upstream " + Note(6.9), true},
		{"affected", "no score", false},
		{"under_investigation", "", false},
		{"fixed", "", true},
		{"not_affected", "", true},
	} {
		if got, why := Publishable(c.status, c.text); got != c.want {
			t.Errorf("%s %q: %v (%s), want %v", c.status, c.text, got, why, c.want)
		}
	}
	if s, ok := FromNote("x " + Note(5.25) + " y"); !ok || s != 5.2 && s != 5.3 {
		t.Errorf("FromNote(Note(5.25)) = %v, %v", s, ok)
	}
}
