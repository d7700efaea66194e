package fakegithub

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"time"
)

// Kind is a kind of injected fault.
type Kind int

const (
	// Status500 answers 500 without acting.
	Status500 Kind = iota
	// RateLimit429 answers 429 with Retry-After: Seconds.
	RateLimit429
	// SecondaryLimit403 answers 403 with Retry-After: Seconds.
	SecondaryLimit403
	// PrimaryLimit403 answers 403 with X-RateLimit-Remaining: 0 and a
	// reset Seconds from now.
	PrimaryLimit403
	// Forbidden403 answers 403 without rate-limit headers: no permission.
	Forbidden403
	// Drop reads half the request body, then closes the connection; an
	// upload cut off this way leaves a "starter" asset, as on GitHub.
	Drop
	// Hang answers nothing until the client gives up (or 5s pass).
	Hang
	// ActThen500 performs the request, then answers 500: the client cannot
	// know that it took effect.
	ActThen500
	// ActThenDrop performs the request, then closes the connection.
	ActThenDrop
)

// Fault fires on requests whose method matches and whose path matches the
// regular expression Path: it lets Skip of them through, then fires Times
// times (default 1).
type Fault struct {
	Method  string
	Path    string
	Kind    Kind
	Skip    int
	Times   int
	Seconds int

	re          *regexp.Regexp
	seen, fired int
}

// Inject adds faults; they fire in order of addition when several match.
func (s *Server) Inject(f ...*Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range f {
		x.re = regexp.MustCompile(x.Path)
		if x.Times == 0 {
			x.Times = 1
		}
		s.faults = append(s.faults, x)
	}
}

// Pending counts faults that have not fired all their times, so a test can
// tell that its faults were really exercised.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, f := range s.faults {
		if f.fired < f.Times {
			n++
		}
	}
	return n
}

// matchFault is called with s.mu held.
func (s *Server) matchFault(r *http.Request) *Fault {
	for _, f := range s.faults {
		if f.fired >= f.Times || f.Method != r.Method || !f.re.MatchString(r.URL.Path) {
			continue
		}
		f.seen++
		if f.seen <= f.Skip {
			continue
		}
		f.fired++
		s.stats.FaultsInjected++
		return f
	}
	return nil
}

func (f *Fault) inject(s *Server, w http.ResponseWriter, r *http.Request) {
	secs := strconv.Itoa(f.Seconds)
	switch f.Kind {
	case Status500:
		writeError(w, http.StatusInternalServerError, "injected server error")
	case RateLimit429:
		w.Header().Set("Retry-After", secs)
		writeError(w, http.StatusTooManyRequests, "injected: too many requests")
	case SecondaryLimit403:
		w.Header().Set("Retry-After", secs)
		writeError(w, http.StatusForbidden, "injected: You have exceeded a secondary rate limit")
	case PrimaryLimit403:
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Unix()+int64(f.Seconds), 10))
		writeError(w, http.StatusForbidden, "injected: API rate limit exceeded")
	case Forbidden403:
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
	case Drop:
		if r.ContentLength > 0 {
			io.CopyN(io.Discard, r.Body, r.ContentLength/2)
		}
		s.starter(r)
		hangUp(w)
	case Hang:
		// With the body read, the server notices when the client hangs up.
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		hangUp(w)
	case ActThen500:
		s.route(httptest.NewRecorder(), r)
		writeError(w, http.StatusInternalServerError, "injected server error after acting")
	case ActThenDrop:
		s.route(httptest.NewRecorder(), r)
		hangUp(w)
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
