package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rootless-static-toolkits/rootless-static-toolkits/tools/release/internal/gotool"
)

// actionlintVersion pins the linter the workflows must pass.
const actionlintVersion = "v1.7.12"

const workflows = "../../.github/workflows"

func TestWorkflowsPassActionlint(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(workflows, "*.yml"))
	if len(files) < 2 {
		t.Fatalf("found %d workflows in %s", len(files), workflows)
	}
	bin := gotool.Build(t, "github.com/rhysd/actionlint", actionlintVersion, "github.com/rhysd/actionlint/cmd/actionlint")
	var rel []string
	for _, f := range files {
		rel = append(rel, strings.TrimPrefix(f, "../../"))
	}
	cmd := exec.Command(bin, rel...)
	cmd.Dir = "../.." // the repository root, where actionlint resolves local workflows
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

// workflow is the part of a workflow file these tests read.
type workflow struct {
	On          map[string]yaml.Node `yaml:"on"`
	Permissions map[string]string    `yaml:"permissions"`
	Jobs        map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
		Uses        string            `yaml:"uses"`
		Steps       []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func load(t *testing.T, name string) *workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(workflows, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &w
}

func TestWorkflowsUseOnlyKnownActions(t *testing.T) {
	allowed := []string{"actions/checkout@", "actions/setup-go@", "actions/upload-artifact@", "actions/download-artifact@", "./.github/workflows/"}
	files, _ := filepath.Glob(filepath.Join(workflows, "*.yml"))
	for _, f := range files {
		w := load(t, filepath.Base(f))
		for name, job := range w.Jobs {
			uses := []string{job.Uses}
			for _, s := range job.Steps {
				uses = append(uses, s.Uses)
			}
			for _, u := range uses {
				ok := u == ""
				for _, a := range allowed {
					ok = ok || strings.HasPrefix(u, a)
				}
				if !ok {
					t.Errorf("%s: job %s uses %s, which is not an action we vetted", filepath.Base(f), name, u)
				}
			}
		}
	}
}

func TestCheckReleasesWorkflow(t *testing.T) {
	w := load(t, "check-releases.yml")
	for _, trigger := range []string{"schedule", "workflow_dispatch"} {
		if _, ok := w.On[trigger]; !ok {
			t.Errorf("check-releases.yml is not triggered by %s", trigger)
		}
	}
	var runsCheck, checksPins, bumps, opensPR bool
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			runsCheck = runsCheck || strings.Contains(s.Run, "go run ./tools/release") && strings.Contains(s.Run, "--github-output")
			checksPins = checksPins || strings.Contains(s.Run, "check --pins third_party/pins.json --github-output")
			bumps = bumps || strings.Contains(s.Run, `go run ./tools/release bump "$TOOL" "$VERSION"`)
			opensPR = opensPR || strings.Contains(s.Run, "gh pr create --base main")
		}
	}
	if !runsCheck || !checksPins || !bumps || !opensPR {
		t.Errorf("check-releases.yml: runs release check %v, with the parts of third_party/pins.json %v, bumps the pin %v, opens a pull request %v", runsCheck, checksPins, bumps, opensPR)
	}
	if _, err := os.Stat("../../third_party/pins.json"); err != nil {
		t.Errorf("check-releases.yml checks third_party/pins.json: %v", err)
	}

	// One pull request per part whose pin needs bumping: a job over the check's pin matrix
	// that runs bump-pin and opens the pull request with the description it wrote.
	var raw struct {
		Jobs map[string]struct {
			If       string `yaml:"if"`
			Outputs  map[string]string
			Strategy struct {
				Matrix string `yaml:"matrix"`
			} `yaml:"strategy"`
		} `yaml:"jobs"`
	}
	data, err := os.ReadFile(filepath.Join(workflows, "check-releases.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	check := raw.Jobs["check"]
	if check.Outputs["pin_matrix"] != "${{ steps.check.outputs.pin_matrix }}" || check.Outputs["pin_count"] != "${{ steps.check.outputs.pin_count }}" {
		t.Errorf("check job outputs = %v, want pin_matrix and pin_count", check.Outputs)
	}
	bumpPin := raw.Jobs["bump-pin"]
	if bumpPin.Strategy.Matrix != "${{ fromJSON(needs.check.outputs.pin_matrix) }}" || !strings.Contains(bumpPin.If, "needs.check.outputs.pin_count != '0'") {
		t.Errorf("bump-pin job: matrix %q, if %q", bumpPin.Strategy.Matrix, bumpPin.If)
	}
	var runsBumpPin, branch, bodyFile bool
	for _, s := range w.Jobs["bump-pin"].Steps {
		runsBumpPin = runsBumpPin || strings.Contains(s.Run, `go run ./tools/release bump-pin --body "$body" "$PART" "$VERSION"`)
		branch = branch || strings.Contains(s.Run, `branch="bump/$PART"`) && s.Env["PART"] == "${{ matrix.part }}"
		bodyFile = bodyFile || strings.Contains(s.Run, `gh pr create --base main --head "$branch" --title "$title" --body-file "$body"`)
	}
	if !runsBumpPin || !branch || !bodyFile {
		t.Errorf("bump-pin job: runs bump-pin %v, on branch bump/<part> %v, opens the pull request with its description %v", runsBumpPin, branch, bodyFile)
	}
}

// The advisory watch runs daily beside the release check: it writes the records and the moved
// database pin, and proposes them in one pull request with the description it wrote.
func TestCheckReleasesWorkflowWatchesAdvisories(t *testing.T) {
	w := load(t, "check-releases.yml")
	job, ok := w.Jobs["advisories"]
	if !ok {
		t.Fatal("check-releases.yml has no advisories job")
	}
	var watches, commitsAll, opensPR bool
	for _, s := range job.Steps {
		watches = watches || strings.Contains(s.Run, `go run ./tools/release check-advisories --write --body "$body"`)
		commitsAll = commitsAll || strings.Contains(s.Run, "git add -A third_party release") // a part's new advisories.json too
		opensPR = opensPR || strings.Contains(s.Run, `gh pr create --base main --head "$branch" --title "$title" --body-file "$body"`)
	}
	if !watches || !commitsAll || !opensPR {
		t.Errorf("advisories job: runs the watch with --write %v, commits new record files %v, opens the pull request with its description %v", watches, commitsAll, opensPR)
	}
}

// A push that moves a pin builds the bundles with Bazel and publishes at that very commit.
func TestBuildWorkflow(t *testing.T) {
	w := load(t, "build.yml")
	for _, trigger := range []string{"push", "workflow_dispatch"} {
		if _, ok := w.On[trigger]; !ok {
			t.Errorf("build.yml is not triggered by %s", trigger)
		}
	}
	var pins, builds bool
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			pins = pins || strings.Contains(s.Run, "go run ./tools/release pins --changed-since")
			// through the remote cache when its secret is set (read-write: main's builds fill it)
			builds = builds || (strings.Contains(s.Run, "bazel build ${RST_REMOTE_CACHE:+--config=cache} //release:all") &&
				s.Env["RST_REMOTE_CACHE"] == "${{ secrets.BAZEL_REMOTE_CACHE }}")
		}
	}
	pub := w.Jobs["publish"]
	if !pins || !builds || pub.Uses != "./.github/workflows/publish.yml" {
		t.Errorf("build.yml: finds moved pins %v, builds //release:all %v, publish job uses %q", pins, builds, pub.Uses)
	}
	data, err := os.ReadFile(filepath.Join(workflows, "build.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "commit: ${{ github.sha }}") {
		t.Error("build.yml does not publish at the commit it built (commit: ${{ github.sha }})")
	}
}

// Every workflow a step starts or calls exists (the daily check once dispatched a missing one).
func TestWorkflowsStartOnlyExistingWorkflows(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(workflows, "*.yml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			for _, marker := range []string{"gh workflow run ", "uses: ./.github/workflows/"} {
				i := strings.Index(line, marker)
				if i < 0 {
					continue
				}
				name := strings.Trim(strings.Fields(line[i+len(marker):] + " x")[0], `"'`)
				name = filepath.Base(name)
				if strings.Contains(name, "$") {
					t.Errorf("%s starts a workflow whose name is computed (%s): cannot be checked", filepath.Base(f), name)
					continue
				}
				if _, err := os.Stat(filepath.Join(workflows, name)); err != nil {
					t.Errorf("%s starts %s, which does not exist", filepath.Base(f), name)
				}
			}
		}
	}
}

func TestPublishWorkflow(t *testing.T) {
	w := load(t, "publish.yml")
	call, ok := w.On["workflow_call"]
	if !ok {
		t.Fatal("publish.yml is not a reusable workflow")
	}
	var spec struct {
		Inputs map[string]struct {
			Required bool `yaml:"required"`
		} `yaml:"inputs"`
	}
	if err := call.Decode(&spec); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"tool", "version", "artifacts"} {
		if !spec.Inputs[in].Required {
			t.Errorf("publish.yml: input %s missing or optional", in)
		}
	}
	if in, ok := spec.Inputs["commit"]; !ok || in.Required {
		t.Errorf("publish.yml: input commit missing or required")
	}
	job := w.Jobs["publish"]
	if job.Permissions["id-token"] != "write" || job.Permissions["contents"] != "write" {
		t.Errorf("publish job permissions = %v", job.Permissions)
	}
	var steps []string
	commit := ""
	for _, s := range job.Steps {
		steps = append(steps, s.Run)
		if strings.Contains(s.Run, "publish --tool") {
			commit = s.Env["COMMIT"]
		}
	}
	all := strings.Join(steps, "\n")
	// The tool's archives come from the release line's bundles.json (dist/<bundles>/, the line's
	// bundles package), and must hold <tool>-v<version>/ before anything is signed. --keyless:
	// the identity is our publish.yml on main (signing.PublishIdentityRegexp).
	for _, want := range []string{
		` checksums --tool "$TOOL" --version "$VERSION" "dist/$BUNDLES"`,
		` sign --keyless --tool "$TOOL" "dist/$BUNDLES"`,
		`publish --tool "$TOOL" --version "$VERSION" --commit "$COMMIT" --keyless`,
		`"${args[@]}" "dist/$BUNDLES"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("publish.yml does not run %q", want)
		}
	}
	// The tag lands on the commit built, not wherever main is when the draft is published.
	if commit != "${{ inputs.commit || github.sha }}" {
		t.Errorf("publish.yml: the publish step's COMMIT is %q", commit)
	}
}

// The test workflow runs exactly what .ci/run runs, and .ci/run exactly the README's two
// commands: one green means one thing, and none of the three can drift from the others.
// Pull requests read the remote cache only, main writes it too.
func TestTestWorkflowRunsTheREADMEsTwoCommands(t *testing.T) {
	w := load(t, "test.yml")
	for _, trigger := range []string{"pull_request", "push"} {
		if _, ok := w.On[trigger]; !ok {
			t.Errorf("test.yml is not triggered by %s", trigger)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## The two commands\n")
	_, block, ok2 := strings.Cut(after, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md: no ```sh block under \"## The two commands\"")
	}
	var want []string
	for _, line := range strings.Split(block, "\n") {
		if cmd, _, _ := strings.Cut(line, "#"); strings.TrimSpace(cmd) != "" {
			want = append(want, strings.TrimSpace(cmd))
		}
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(string(ci), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "set ") || strings.HasPrefix(line, "cd ") {
			continue
		}
		got = append(got, strings.TrimPrefix(line, "exec "))
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") || len(want) != 2 {
		t.Errorf(".ci/run runs %q, the README's two commands are %q", got, want)
	}
	var runs []string
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			if s.Run == "" {
				continue
			}
			runs = append(runs, s.Run)
			if !strings.HasPrefix(s.Run, "sudo ") || !strings.HasSuffix(strings.TrimSpace(s.Run), " .ci/run") {
				t.Errorf("test.yml: step %q is not .ci/run as root", s.Run)
			}
			if s.Env["RST_REMOTE_CACHE"] != "${{ secrets.BAZEL_REMOTE_CACHE }}" ||
				s.Env["RST_REMOTE_UPLOAD"] != "${{ github.event_name == 'push' && '1' || '0' }}" {
				t.Errorf("test.yml: .ci/run does not read the remote cache on pull requests and write it on main: %v", s.Env)
			}
			for _, v := range []string{"RST_REMOTE_CACHE", "RST_REMOTE_UPLOAD"} {
				if !strings.Contains(s.Run, `"`+v+`=$`+v+`"`) {
					t.Errorf("test.yml: sudo drops %s (pass it through env)", v)
				}
			}
		}
	}
	if len(runs) != 1 {
		t.Errorf("test.yml runs %d commands, want exactly one (.ci/run): %q", len(runs), runs)
	}
}

// The weekly audit builds on two different runners and compares them with tools/repro.
func TestReproWorkflow(t *testing.T) {
	w := load(t, "repro.yml")
	if _, ok := w.On["schedule"]; !ok {
		t.Error("repro.yml is not scheduled")
	}
	data, err := os.ReadFile(filepath.Join(workflows, "repro.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Jobs struct {
			Record struct {
				Strategy struct {
					Matrix struct {
						Runner []string `yaml:"runner"`
					} `yaml:"matrix"`
				} `yaml:"strategy"`
			} `yaml:"record"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if r := raw.Jobs.Record.Strategy.Matrix.Runner; len(r) != 2 || r[0] == r[1] {
		t.Errorf("repro.yml: record job runs on %v, want two different runners", r)
	}
	var record, compare bool
	for _, job := range w.Jobs {
		for _, s := range job.Steps {
			record = record || strings.Contains(s.Run, "tools/repro --record") && strings.Contains(s.Run, "--all")
			compare = compare || strings.Contains(s.Run, "tools/repro --compare")
		}
	}
	if !record || !compare {
		t.Errorf("repro.yml: records every archive %v, compares the two runners %v", record, compare)
	}
}
