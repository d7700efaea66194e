package main

import (
	"fmt"
	"html"
	"math"
	"strings"
	"unicode/utf8"
)

// label is a metric's name with its note, as the table and the chart show it.
func label(m *metric) string {
	if m.note != "" {
		return m.name + " (" + m.note + ")"
	}
	return m.name
}

// chart draws the cost ratio of each metric as a horizontal bar: 1.00 is as fast as Debian's
// build, the dashed line at 1.05 is the limit the project holds itself to; bars past it are red.
func chart(all []*metric) string {
	const (
		plotW = 420.0
		rowH  = 24.0
		top   = 40.0
	)
	// the label column fits the longest name (about 6.6 px a character at 12 px sans-serif)
	labelW := 330.0
	for _, m := range all {
		labelW = math.Max(labelW, float64(utf8.RuneCountInString(label(m)))*6.6+16)
	}
	maxR := 1.5
	for _, m := range all {
		maxR = math.Max(maxR, m.ratio()*1.1)
	}
	x := func(r float64) float64 { return labelW + r/maxR*plotW }
	h := top + rowH*float64(len(all)) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", labelW+plotW+70, h)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">Our static programs against Debian's: cost ratio (below 1.00: ours is faster)</text>`+"\n")
	for i, m := range all {
		y := top + rowH*float64(i)
		r := m.ratio()
		colour := "#2e7d32"
		if r > 1.05 {
			colour = "#c62828"
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", labelW-8, y+rowH*0.65, html.EscapeString(label(m)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n", labelW, y+4, x(r)-labelW, rowH-8, colour)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f">%.2fx</text>`+"\n", x(r)+4, y+rowH*0.65, r)
	}
	bottom := top + rowH*float64(len(all))
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="black"/>`+"\n", x(1), top-4, x(1), bottom+4)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="black" stroke-dasharray="4 3"/>`+"\n", x(1.05), top-4, x(1.05), bottom+4)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle">1.00</text>`+"\n", x(1), bottom+18)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="start">1.05</text>`+"\n", x(1.05)+3, bottom+32)
	b.WriteString("</svg>\n")
	return b.String()
}
