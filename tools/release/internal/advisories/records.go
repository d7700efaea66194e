package advisories

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Record is the part of a tools/vulncheck record the watch reads and writes (vulncheck's --help
// has them all).
type Record struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases,omitempty"`
	Module   string   `json:"module"`
	Version  string   `json:"version"`
	Status   string   `json:"status"`
	CVSS     float64  `json:"cvss,omitempty"`
	Upstream string   `json:"upstream,omitempty"`
	Why      string   `json:"why"`
}

// names says whether the record is about the advisory known by any of ids, for this module
// version.
func (r *Record) names(module, version string, ids []string) bool {
	if r.Module != module || r.Version != version {
		return false
	}
	for _, id := range ids {
		if r.ID == id || slices.Contains(r.Aliases, id) {
			return true
		}
	}
	return false
}

// recordsFile is an advisories.json: its records kept as written (field order and all), the
// watch's new ones appended.
type recordsFile struct {
	path    string // workspace-relative
	comment string
	raw     []json.RawMessage
	records []*Record
	added   []*Record
	scored  map[int]float64 // index of a record -> the CVSS score the watch gives it
	created bool            // the file does not exist yet
}

// newFileComment is the _comment of an advisories.json the watch creates.
const newFileComment = "Advisories against the versions this part ships and what became of them, for the release's OpenVEX documents (tools/vulncheck --help). Written first by the advisory watch (tools/release check-advisories), which records what it finds as under_investigation: replace each with fixed (patch and test), not_affected (with the test that proves it) or affected (why, cvss)."

func readRecordsFile(root, rel string) (*recordsFile, error) {
	f := &recordsFile{path: rel, scored: map[int]float64{}}
	data, err := os.ReadFile(filepath.Join(root, rel))
	if errors.Is(err, fs.ErrNotExist) {
		f.created, f.comment = true, newFileComment
		return f, nil
	}
	if err != nil {
		return nil, err
	}
	var doc struct {
		Comment string            `json:"_comment"`
		Records []json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	f.comment, f.raw = doc.Comment, doc.Records
	for i, raw := range doc.Records {
		r := &Record{}
		if err := json.Unmarshal(raw, r); err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", rel, i+1, err)
		}
		f.records = append(f.records, r)
	}
	return f, nil
}

// encode is the file with the added records, formatted as the checked-in files are (two-space
// indentation, as `json.dumps(indent=2)` writes).
func (f *recordsFile) encode() ([]byte, error) {
	doc := struct {
		Comment string            `json:"_comment"`
		Records []json.RawMessage `json:"records"`
	}{f.comment, append([]json.RawMessage{}, f.raw...)}
	for i, score := range f.scored {
		raw, err := withCVSS(doc.Records[i], score)
		if err != nil {
			return nil, fmt.Errorf("%s: record %d: %w", f.path, i+1, err)
		}
		doc.Records[i] = raw
	}
	for _, r := range f.added {
		raw, err := marshal(r)
		if err != nil {
			return nil, err
		}
		doc.Records = append(doc.Records, raw)
	}
	return marshal(doc)
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// withCVSS is a record with "cvss" set, its other fields in their order: before "why" where it
// has one (as the records are written), else last.
func withCVSS(raw json.RawMessage, score float64) (json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var keys []string
	values := map[string]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		k := t.(string)
		if k != "cvss" {
			keys = append(keys, k)
		}
		values[k] = v
	}
	values["cvss"] = json.RawMessage(fmt.Sprint(score))
	at := slices.Index(keys, "why")
	if at < 0 {
		at = len(keys)
	}
	keys = slices.Insert(keys, at, "cvss")
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(k)
		b.Write(name)
		b.WriteByte(':')
		b.Write(values[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
