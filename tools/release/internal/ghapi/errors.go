package ghapi

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-github/v66/github"
)

// Explain turns GitHub errors into messages that say what to do; other
// errors pass through.
func Explain(err error) error {
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Errorf("GitHub API rate limit exhausted until %s (a GITHUB_TOKEN raises the limit): %w", rl.Rate.Reset.Format("15:04:05 MST"), err)
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		return fmt.Errorf("GitHub secondary rate limit, retry later: %w", err)
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return err
	}
	what := er.Response.Request.Method + " " + er.Response.Request.URL.Redacted()
	switch er.Response.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("GitHub answered 401 Unauthorized to %s: the token in GITHUB_TOKEN is missing, expired or wrong (%s)", what, er.Message)
	case http.StatusForbidden:
		return fmt.Errorf("GitHub answered 403 Forbidden to %s: the token lacks permission (publishing needs contents: write) (%s)", what, er.Message)
	case http.StatusNotFound:
		return fmt.Errorf("GitHub answered 404 Not Found to %s: the repository or release does not exist, or the token cannot see it (%s)", what, er.Message)
	}
	return err
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusNotFound
}

// IsAlreadyExists reports a 422 answer, GitHub's reply to creating what exists.
func IsAlreadyExists(err error) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response != nil && er.Response.StatusCode == http.StatusUnprocessableEntity
}
