package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/internal/atomicfile"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/advisories"
	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/upstream"
)

func runCheckAdvisories(ctx context.Context, args []string, env Env) error {
	fs := newFlags(env, "check-advisories", "[flags]", `
The advisory watch. Asks GitHub's advisory database (the API's global
advisories) about every module of every Go tool's graph (ecosystem go: each
go_graph.json's go.mod) and every crate of each Cargo.lock a bundle_part
declares (ecosystem rust), and each pinned part on GitHub that a bundle_part
declares (third_party/pins.json, kind github-release) for its repository's
published security advisories. An advisory whose vulnerable version range
holds the shipped version and that no record names (by its CVE or GHSA id, or
the Go database's id that aliases them, as id or alias, for that module
version) is new: it is recorded under_investigation
(tools/vulncheck's records; publish refuses a release with one) in
third_party/go_advisories.json for a Go module, else in the advisories.json of
each part built from that pin or Cargo.lock (created if missing). A Go advisory
that the gate's vulnerability database has (an id or alias of one of its
reports) is left to the gate, which scans the programs for its symbols.
Withdrawn advisories are ignored; a range it cannot read is recorded. A record
that says affected without a CVSS score gets the advisory's score, where GitHub
gives one (publish decides by it).

It also moves the pin of that database (`+advisories.VulnDBFile+`)
to the Go module proxy's newest golang.org/x/vulndb, with the go.sum hash of
the zip it downloads (the database it compares with; a pinned version whose
zip hashes otherwise is an error).

Prints what it found and the parts it cannot ask GitHub about (and why); with
--write writes the records and the pin, all files or none. Any failed
look-up fails it, with nothing written. Exit status 0 whether or not it found
something (the workflow opens a pull request when the tree changed).`)
	repo := fs.String("repo", "", "the repository's top directory (default: the git work tree containing the current directory)")
	write := fs.Bool("write", false, "write the new records and the moved database pin")
	body := fs.String("body", "", "with --write, also write the pull request's description (Markdown) to this file")
	goproxy := fs.String("goproxy", "", "the Go module proxy's base `URL` (default: the first URL of go env GOPROXY)")
	api := &apiFlags{}
	addClientFlags(fs, api)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	if *body != "" && !*write {
		return usagef("--body needs --write")
	}
	root, err := repoRoot(ctx, *repo)
	if err != nil {
		return err
	}
	client, err := api.client(env, env.getenv("GITHUB_TOKEN"))
	if err != nil {
		return err
	}
	proxy := *goproxy
	if proxy == "" {
		proxy = goEnvProxy(ctx, env)
	}
	res, err := advisories.Watch(ctx, advisories.Options{
		Root: root, GitHub: client, Logf: env.logf,
		Sources: upstream.New(upstream.Options{GitHub: client, GoProxy: proxy, Logf: env.logf}),
	})
	if err != nil {
		return err
	}
	report := describeWatch(res)
	fmt.Fprint(env.Stdout, report)
	if !*write {
		if len(res.New) > 0 || len(res.Scored) > 0 || res.VulnDB.Moved() {
			fmt.Fprintln(env.Stdout, "nothing written: --write writes the records and the pin")
		}
		return nil
	}
	paths, err := res.Write(root)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(env.Stdout, "wrote", p)
	}
	if *body != "" {
		return atomicfile.Write(*body, []byte(pullRequestBody(res, report)), 0o644)
	}
	return nil
}

func describeWatch(res *advisories.Result) string {
	var b strings.Builder
	n := map[string]int{}
	for _, t := range res.Shipped.Targets {
		n[t.Kind]++
	}
	fmt.Fprintf(&b, "watched: %d Go module versions, %d crates, %d repositories (%s)\n", n[advisories.Go], n[advisories.Rust], len(res.Repos), strings.Join(res.Repos, ", "))
	for _, s := range res.Shipped.Skipped {
		fmt.Fprintf(&b, "not watched: %s: %s\n", s.Pin, s.Why)
	}
	d := res.VulnDB
	if d.Moved() {
		fmt.Fprintf(&b, "vulnerability database: %s -> %s (%s)\n", d.From, d.To, d.ToSum)
	} else {
		fmt.Fprintf(&b, "vulnerability database: %s is the newest\n", d.From)
	}
	for _, f := range res.New {
		cvss := ""
		if f.Record.CVSS > 0 {
			cvss = fmt.Sprintf(" (CVSS %.1f)", f.Record.CVSS)
		}
		fmt.Fprintf(&b, "new: %s %s%s, from %s: under_investigation in %s\n", f.Record.ID, f.Target, cvss, f.Source, strings.Join(f.Target.Files, ", "))
	}
	for _, f := range res.Scored {
		fmt.Fprintf(&b, "score: %s %s, recorded affected without one: CVSS %.1f from %s, in %s\n", f.Record.ID, f.Target, f.Record.CVSS, f.Source, strings.Join(f.Target.Files, ", "))
	}
	fmt.Fprintf(&b, "ADVISORIES: %d new, %d already recorded (%d given their CVSS score), %d in the gate's Go vulnerability database\n", len(res.New), res.Recorded, len(res.Scored), res.InGoDB)
	return b.String()
}

func pullRequestBody(res *advisories.Result, report string) string {
	var b strings.Builder
	b.WriteString("The daily advisory watch (`tools/release check-advisories`).\n\n")
	if len(res.New) > 0 {
		b.WriteString("New advisories against versions we ship, recorded `under_investigation`: **publish refuses a release with one** until each is decided — `fixed` (our patch and the test that reproduces the flaw), `not_affected` (with the test that proves it) or `affected` (why, CVSS):\n\n| advisory | shipped | where found | record |\n| --- | --- | --- | --- |\n")
		for _, f := range res.New {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", strings.Join(append([]string{f.Record.ID}, f.Record.Aliases...), " "), f.Target, f.Source, strings.Join(f.Target.Files, ", "))
		}
		b.WriteString("\n")
	}
	if len(res.Scored) > 0 {
		b.WriteString("Records of advisories we ship `affected` without a CVSS score get GitHub's (publish refuses 7 or more, and none):\n\n")
		for _, f := range res.Scored {
			fmt.Fprintf(&b, "- %s %s: %.1f (%s)\n", f.Record.ID, f.Target, f.Record.CVSS, strings.Join(f.Target.Files, ", "))
		}
		b.WriteString("\n")
	}
	if created := res.Created(); len(created) > 0 {
		fmt.Fprintf(&b, "New record files (the parts' bundle_part reads `advisories.json` beside it): %s.\n\n", strings.Join(created, ", "))
	}
	if d := res.VulnDB; d.Moved() {
		fmt.Fprintf(&b, "The Go vulnerability database moves from `%s` to `%s`: the gate may find more; CI says.\n\n", d.From, d.To)
	}
	b.WriteString("```\n" + report + "```\n")
	return b.String()
}
