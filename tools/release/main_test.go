package main

import (
	"testing"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/config"
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
