package ghapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Retry is an http.RoundTripper that bounds each attempt by a timeout and
// retries what is safe to retry:
//   - any method, on rate-limit answers (429, or 403 with Retry-After or
//     X-RateLimit-Remaining: 0), which GitHub sends before acting;
//   - methods other than POST, also on network errors, timeouts and 5xx.
//
// A POST that failed ambiguously (it may have taken effect) is returned to
// the caller, which looks at the server's state before trying again.
type Retry struct {
	Base           http.RoundTripper
	Retries        int           // retries after the first attempt
	Backoff        time.Duration // first delay; doubles per retry
	MaxBackoff     time.Duration // cap of the doubling
	MaxWait        time.Duration // longest rate-limit wait honoured; longer ones fail at once
	AttemptTimeout time.Duration // per attempt, including reading the body; 0 = none
	Sleep          func(context.Context, time.Duration) error
	Now            func() time.Time
	Log            func(format string, args ...any)
}

// RoundTrip implements http.RoundTripper.
func (t *Retry) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.Body != nil && req.Body != http.NoBody {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("rewinding request body for a retry: %w", err)
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		ctx, cancel := req.Context(), context.CancelFunc(func() {})
		if t.AttemptTimeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, t.AttemptTimeout)
		}
		resp, err := t.Base.RoundTrip(r.WithContext(ctx))
		delay, why := t.retryAfter(req, resp, err, attempt)
		canRewind := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		if why == "" || attempt >= t.Retries || !canRewind {
			if err != nil {
				cancel()
				if ctx.Err() == context.DeadlineExceeded && req.Context().Err() == nil {
					err = fmt.Errorf("%w (no answer within %s)", err, t.AttemptTimeout)
				}
				return nil, err
			}
			resp.Body = &cancelOnClose{resp.Body, cancel}
			return resp, nil
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		cancel()
		t.logf("%s %s: %s; retry %d of %d in %s", req.Method, req.URL.Redacted(), why, attempt+1, t.Retries, delay.Round(time.Millisecond))
		if err := t.sleep(req.Context(), delay); err != nil {
			return nil, err
		}
	}
}

// retryAfter says how long to wait before retrying and why; why is empty
// when the outcome must not be retried.
func (t *Retry) retryAfter(req *http.Request, resp *http.Response, err error, attempt int) (time.Duration, string) {
	idempotent := req.Method != http.MethodPost
	if err != nil {
		if req.Context().Err() != nil || !idempotent {
			return 0, ""
		}
		return t.backoff(attempt), err.Error()
	}
	code := resp.StatusCode
	if wait, limited := t.rateLimitWait(resp); limited {
		if wait > t.MaxWait {
			return 0, "" // surfaces as a rate-limit error naming the reset time
		}
		if wait <= 0 {
			wait = t.backoff(attempt)
		}
		return wait, fmt.Sprintf("rate limited (%d)", code)
	}
	if code >= 500 && idempotent {
		return t.backoff(attempt), fmt.Sprintf("server error %d", code)
	}
	return 0, ""
}

// rateLimitWait reads GitHub's rate-limit signals; a 403 without them is a
// permission problem, not a rate limit.
func (t *Retry) rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusForbidden {
		return 0, false
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil {
			return time.Duration(s) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return at.Sub(t.now()), true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if s, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// The reset time has whole seconds; one more avoids arriving early.
			return time.Unix(s, 0).Sub(t.now()) + time.Second, true
		}
		return 0, true
	}
	return 0, resp.StatusCode == http.StatusTooManyRequests
}

func (t *Retry) backoff(attempt int) time.Duration {
	d := t.Backoff << attempt
	if d > t.MaxBackoff || d <= 0 {
		d = t.MaxBackoff
	}
	return d
}

func (t *Retry) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Retry) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

func (t *Retry) logf(format string, args ...any) {
	if t.Log != nil {
		t.Log(format, args...)
	}
}

// cancelOnClose ends an attempt's context once its body has been read.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
