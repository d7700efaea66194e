package ghapi

import (
	"fmt"
	"io"
)

// progress logs an upload at every quarter, so CI logs show it moving
// without one line per buffer.
type progress struct {
	r          io.Reader
	size, done int64
	name       string
	next       int64
	log        func(format string, args ...any)
}

func newProgress(r io.Reader, size int64, name string, log func(string, ...any)) *progress {
	log("uploading %s (%s)", name, humanSize(size))
	p := &progress{r: r, size: size, name: name, log: log}
	if size >= 1<<20 { // quarters of small files would only be noise
		p.next = size / 4
	}
	return p
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.done += int64(n)
	for p.size > 0 && p.next > 0 && p.done >= p.next && p.next < p.size {
		p.log("uploading %s: %d%%", p.name, p.next*100/p.size)
		p.next += p.size / 4
	}
	return n, err
}

func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n)/unit, 0
	for ; v >= unit && exp < 4; exp++ {
		v /= unit
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[exp])
}
