package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/portlab/portlab/internal/regularfile"
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

// ErrNotResult is a file that holds no portlab result at all: not a
// regular file of at most MaxResultBytes, not JSON, or JSON without a
// schema_version. Any other error of ReadFile or Unmarshal is a result
// with a bad value. A reader of a directory skips the first kind; the
// second is the user's to fix.
var ErrNotResult = errors.New("not a portlab result")

// notResult marks a file's error as ErrNotResult without changing its
// message ("not a regular file (a FIFO): ...").
type notResult struct{ err error }

func (e notResult) Error() string        { return e.err.Error() }
func (e notResult) Unwrap() error        { return e.err }
func (e notResult) Is(target error) bool { return target == ErrNotResult }

// ReadFile reads a result JSON file: a regular file (or a symlink to one)
// of at most MaxResultBytes, decoded and validated. Every error is an
// *InputError naming the file and, where one is at fault, the field.
func ReadFile(path string) (*Result, error) {
	b, err := regularfile.Read(path, MaxResultBytes, "a result", "a result is a file portlab wrote")
	if err != nil {
		return nil, &InputError{Path: path, Err: notResult{err}}
	}
	r, err := Unmarshal(b)
	if err != nil {
		ie := asInputError(err)
		ie.Path = path
		return nil, ie
	}
	return r, nil
}

// Unmarshal decodes a result, refusing unknown schema versions and values
// no run produces (see Result.Validate). Every error is an *InputError.
func Unmarshal(b []byte) (*Result, error) {
	var probe struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, &InputError{Err: fmt.Errorf("%w: %w", ErrNotResult, err)}
	}
	if probe.SchemaVersion == nil {
		return nil, &InputError{Err: fmt.Errorf("%w: no schema_version", ErrNotResult)}
	}
	if *probe.SchemaVersion != SchemaVersion {
		return nil, &InputError{Err: fmt.Errorf("schema_version %d is not supported (this portlab reads %d)", *probe.SchemaVersion, SchemaVersion)}
	}
	var r Result
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&r); err != nil {
		return nil, &InputError{Err: fmt.Errorf("decode result: %w", err)}
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}
