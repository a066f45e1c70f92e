package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Encode writes a value as JSON that Decode reads back to the same Go
// types: unlike ToJSON it loses nothing. Dates become {"$date": ISO-8601},
// buffers {"$bytes": base64}, files {"$file": {name, contentType, size,
// data | path, sha256}}, float64, int and int64 numbers {"$float"|"$int"|
// "$int64": text}; json.Number stays a plain JSON number. Collections whose only key starts
// with "$" are escaped as {"$map": {...}}.
func Encode(v any) ([]byte, error) {
	t, err := tagged(v, 0)
	if err != nil {
		return nil, err
	}
	return json.Marshal(t)
}

// maxCodecDepth bounds nesting in Encode and Decode.
const maxCodecDepth = 1000

func tagged(v any, depth int) (any, error) {
	if depth > maxCodecDepth {
		return nil, fmt.Errorf("encoding value: nested deeper than %d levels", maxCodecDepth)
	}
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return x, nil
	case float64:
		return map[string]any{"$float": strconv.FormatFloat(x, 'g', -1, 64)}, nil
	case int:
		return map[string]any{"$int": strconv.Itoa(x)}, nil
	case int64:
		return map[string]any{"$int64": strconv.FormatInt(x, 10)}, nil
	case time.Time:
		return map[string]any{"$date": x.Format(time.RFC3339Nano)}, nil
	case []byte:
		return map[string]any{"$bytes": base64.StdEncoding.EncodeToString(x)}, nil
	case *File:
		if x == nil {
			return nil, nil
		}
		f := map[string]any{"name": x.Name, "contentType": x.ContentType, "size": x.Size, "sha256": x.SHA256}
		if x.Path != "" {
			f["path"] = x.Path
		} else {
			f["data"] = base64.StdEncoding.EncodeToString(x.Data)
		}
		return map[string]any{"$file": f}, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			t, err := tagged(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			t, err := tagged(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = t
		}
		if len(x) == 1 {
			for k := range x {
				if len(k) > 0 && k[0] == '$' {
					return map[string]any{"$map": out}, nil
				}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("encoding value: unsupported type %T", v)
}

// Decode reads a value written by Encode.
func Decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding value: %w", err)
	}
	return untagged(v, 0)
}

func untagged(v any, depth int) (any, error) {
	if depth > maxCodecDepth {
		return nil, fmt.Errorf("decoding value: nested deeper than %d levels", maxCodecDepth)
	}
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			u, err := untagged(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = u
		}
		return x, nil
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				switch k {
				case "$map":
					m, ok := e.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("decoding value: $map holds %T", e)
					}
					return untagMap(m, depth)
				case "$float", "$int", "$int64", "$date", "$bytes":
					s, ok := e.(string)
					if !ok {
						return nil, fmt.Errorf("decoding value: %s holds %T", k, e)
					}
					return scalar(k, s)
				case "$file":
					m, ok := e.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("decoding value: $file holds %T", e)
					}
					return file(m)
				}
			}
		}
		return untagMap(x, depth)
	}
	return v, nil
}

func untagMap(m map[string]any, depth int) (any, error) {
	for k, e := range m {
		u, err := untagged(e, depth+1)
		if err != nil {
			return nil, err
		}
		m[k] = u
	}
	return m, nil
}

func scalar(tag, s string) (any, error) {
	switch tag {
	case "$float":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("decoding value: $float %q: %w", s, err)
		}
		return f, nil
	case "$int", "$int64":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("decoding value: %s %q: %w", tag, s, err)
		}
		if tag == "$int64" {
			return n, nil
		}
		return int(n), nil
	case "$date":
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("decoding value: $date %q: %w", s, err)
		}
		return t, nil
	default:
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("decoding value: $bytes: %w", err)
		}
		return b, nil
	}
}

func file(m map[string]any) (any, error) {
	f := &File{}
	f.Name, _ = m["name"].(string)
	f.ContentType, _ = m["contentType"].(string)
	f.Path, _ = m["path"].(string)
	f.SHA256, _ = m["sha256"].(string)
	if n, ok := m["size"].(json.Number); ok {
		size, err := n.Int64()
		if err != nil {
			return nil, fmt.Errorf("decoding value: $file size %q: %w", n, err)
		}
		f.Size = size
	}
	if d, ok := m["data"].(string); ok {
		b, err := base64.StdEncoding.DecodeString(d)
		if err != nil {
			return nil, fmt.Errorf("decoding value: $file data: %w", err)
		}
		f.Data = b
	}
	return f, nil
}
