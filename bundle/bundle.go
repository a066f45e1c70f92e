// Package bundle defines the values that flow between modules of a scenario.
//
// A bundle is one output item of a module: a collection (map[string]any) whose
// values are built only from these Go types:
//
//	nil                 null
//	bool                boolean
//	string              text
//	json.Number         number (exact, as parsed from JSON or a blueprint)
//	float64, int, int64 number (computed)
//	time.Time           date
//	[]byte              buffer (binary data)
//	*File               file value (binary data with a name, possibly on disk)
//	[]any               array
//	map[string]any      collection
//
// Every package of reqflow (IML, the engine, the HTTP modules) produces and
// consumes only these types, so a value can travel from any module to any other.
package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"
)

// Bundle is one output item of a module.
type Bundle = map[string]any

// DateLayout is how dates are printed: ISO-8601 in UTC with milliseconds,
// as Make prints them.
const DateLayout = "2006-01-02T15:04:05.000Z"

// File is a file value: binary data with a file name. Small files keep their
// bytes in Data; large ones live on disk at Path.
type File struct {
	// Name is the file name, e.g. "report.pdf".
	Name string
	// ContentType is the media type, when known.
	ContentType string
	// Size is the length of the data in bytes.
	Size int64
	// Data holds the bytes of a file kept in memory.
	Data []byte
	// Path is the location of a file kept on disk; empty when Data is used.
	Path string
	// SHA256 is the hex digest of the data, when already known.
	SHA256 string
}

// Open returns a reader of the file's data: its bytes in memory, or the
// file on disk, streamed. The caller must close it.
func (f *File) Open() (io.ReadCloser, error) {
	if f == nil {
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	if f.Path != "" {
		r, err := os.Open(f.Path)
		if err != nil {
			return nil, fmt.Errorf("opening file value %q: %w", f.Name, err)
		}
		return r, nil
	}
	return io.NopCloser(bytes.NewReader(f.Data)), nil
}

// Bytes returns the file's data, reading it from disk when it lives there.
// Prefer Open for large files.
func (f *File) Bytes() ([]byte, error) {
	if f == nil {
		return nil, nil
	}
	if f.Path == "" {
		return f.Data, nil
	}
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("reading file value %q: %w", f.Name, err)
	}
	return b, nil
}

// Len returns the length of the file's data in bytes.
func (f *File) Len() int64 {
	if f == nil {
		return 0
	}
	if f.Path == "" && f.Data != nil {
		return int64(len(f.Data))
	}
	return f.Size
}

// Binary is how a buffer or file value prints in JSON output:
// {"$binary": {"size": N, "sha256": HEX}}.
type Binary struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BinaryOf describes a byte slice as it prints in JSON output.
func BinaryOf(b []byte) Binary {
	sum := sha256.Sum256(b)
	return Binary{Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

// ToJSON converts a value into one that encoding/json prints the way the
// command line contract says: dates as ISO-8601 strings, buffers and files as
// {"$binary": …}, non-finite numbers as null. Collections and arrays are
// converted deeply; the input is not modified.
func ToJSON(v any) any {
	switch x := v.(type) {
	case nil, bool, string, json.Number, int, int64:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case time.Time:
		return x.UTC().Format(DateLayout)
	case []byte:
		return map[string]any{"$binary": BinaryOf(x)}
	case *File:
		if x == nil {
			return nil
		}
		if x.SHA256 == "" && x.Path == "" {
			return map[string]any{"$binary": BinaryOf(x.Data)}
		}
		return map[string]any{"$binary": Binary{Size: x.Size, SHA256: x.SHA256}}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToJSON(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = ToJSON(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = ToJSON(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case error:
		return x.Error()
	default:
		return fmt.Sprint(x)
	}
}

// Number converts a numeric value to float64. It reports false for values
// that are not numbers.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	}
	return 0, false
}
