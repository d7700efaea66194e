// Package ghapi is the GitHub API as the release tool uses it: go-github over
// a retrying transport, plus the few calls go-github lacks.
package ghapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"
)

// DefaultAPIURL is GitHub's public API.
const DefaultAPIURL = "https://api.github.com/"

// Options configure a Client; zero values take the defaults noted.
type Options struct {
	APIURL         string        // default DefaultAPIURL
	Token          string        // optional for reads of public repositories
	AttemptTimeout time.Duration // default 2m
	Retries        int           // default 5; negative = none
	Backoff        time.Duration // default 1s
	MaxWait        time.Duration // default 15m
	Sleep          func(context.Context, time.Duration) error
	Log            func(format string, args ...any)
}

// Client wraps go-github; Raw is exposed for the calls ghapi does not wrap.
type Client struct {
	Raw *github.Client
	// download fetches asset bodies after GitHub's redirect to storage,
	// without sending our token there.
	download *http.Client
	log      func(format string, args ...any)
}

// New builds a client. The API URL may also be a GitHub Enterprise
// ".../api/v3/" URL; uploads go wherever the release's upload_url points.
func New(o Options) (*Client, error) {
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	base, err := url.Parse(o.APIURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an http(s) URL", o.APIURL)
	}
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = 2 * time.Minute
	}
	switch {
	case o.Retries == 0:
		o.Retries = 5
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.Backoff == 0 {
		o.Backoff = time.Second
	}
	if o.MaxWait == 0 {
		o.MaxWait = 15 * time.Minute
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	transport := &Retry{
		Base:           http.DefaultTransport.(*http.Transport).Clone(),
		Retries:        o.Retries,
		Backoff:        o.Backoff,
		MaxBackoff:     32 * o.Backoff,
		MaxWait:        o.MaxWait,
		AttemptTimeout: o.AttemptTimeout,
		Sleep:          o.Sleep,
		Log:            o.Log,
	}
	gh := github.NewClient(&http.Client{Transport: transport})
	if o.Token != "" {
		gh = gh.WithAuthToken(o.Token)
	}
	gh.BaseURL = base
	gh.UploadURL = base // unused: uploads take the absolute upload_url of a release
	return &Client{Raw: gh, download: &http.Client{Transport: transport}, log: o.Log}, nil
}
