package main

import (
	"os"
	"strings"
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/signing"
)

func TestEmbeddedConfigParses(t *testing.T) {
	c, err := config.Parse(configJSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Tools) != 3 {
		t.Errorf("%d tools", len(c.Tools))
	}
}

// README.md gives users the identity that --keyless, and so publish.yml, accepts.
func TestReadmeHasTheKeylessIdentity(t *testing.T) {
	c, err := config.Parse(configJSON)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--certificate-identity-regexp '" + signing.PublishIdentityRegexp(c.Repository) + "'",
		"--certificate-oidc-issuer " + signing.GitHubIssuer,
	} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %s", want)
		}
	}
}
