package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Marshal encodes r as indented JSON, filling the schema version.
func Marshal(r *Result) ([]byte, error) {
	r.SchemaVersion = SchemaVersion
	if r.Errors == nil {
		r.Errors = map[string]int64{}
	}
	if r.Onset == nil {
		r.Onset = map[string]Onset{}
	}
	if r.Timeline == nil {
		r.Timeline = []Interval{}
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteJSON writes r as JSON to w.
func WriteJSON(w io.Writer, r *Result) error {
	b, err := Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// WriteFile writes r to path atomically: a reader (or a crash) sees either
// the old file or the whole new one, never a torn result.
func WriteFile(path string, r *Result) error {
	b, err := Marshal(r)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, b)
}

// WriteFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadFile reads a result JSON file and checks its schema version.
func ReadFile(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Unmarshal decodes a result, refusing unknown schema versions.
func Unmarshal(b []byte) (*Result, error) {
	var probe struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a portlab result: %w", err)
	}
	if probe.SchemaVersion == nil {
		return nil, fmt.Errorf("not a portlab result: no schema_version")
	}
	if *probe.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("schema_version %d is not supported (this portlab reads %d)", *probe.SchemaVersion, SchemaVersion)
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	return &r, nil
}
