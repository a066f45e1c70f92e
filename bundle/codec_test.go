package bundle

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	when := time.Date(2024, 5, 1, 10, 30, 0, 123000000, time.FixedZone("", 7200))
	v := map[string]any{
		"text": "héllo", "yes": true, "none": nil, "big": json.Number("12345678901234567890123"),
		"f": 1.5, "whole": 3.0, "i": 42, "i64": int64(1) << 60, "when": when, "buf": []byte{0, 1, 2, 255},
		"list":  []any{"a", json.Number("1"), []any{}, map[string]any{}},
		"file":  &File{Name: "a.txt", ContentType: "text/plain", Size: 3, Data: []byte("abc"), SHA256: "x"},
		"disk":  &File{Name: "big.bin", Size: 1 << 30, Path: "/tmp/big.bin"},
		"trick": map[string]any{"$date": "not a date"},
		"nan":   math.Inf(1),
	}
	data, err := Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	g := got.(map[string]any)
	if !g["when"].(time.Time).Equal(when) {
		t.Errorf("when = %v", g["when"])
	}
	delete(g, "when")
	want := map[string]any{}
	for k, e := range v {
		want[k] = e
	}
	delete(want, "when")
	for k := range want {
		if !reflect.DeepEqual(g[k], want[k]) {
			t.Errorf("%s: got %#v, want %#v", k, g[k], want[k])
		}
	}
	if len(g) != len(want) {
		t.Errorf("got %d keys, want %d", len(g), len(want))
	}
	for _, bad := range []string{`{"$int": "x"}`, `{"$date": 5}`, `{"$bytes": "%%"}`, `{"$file": []}`, `[`} {
		if _, err := Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%s) succeeded", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"a": {"$map": {"$date": {"$float": "1e3"}}}}`))
	f.Add([]byte(`[{"$file": {"name": "x", "size": 3, "data": "YWJj"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Encode(v)
		if err != nil {
			t.Fatalf("Encode after Decode: %v", err)
		}
		if _, err := Decode(again); err != nil {
			t.Fatalf("Decode(Encode(Decode(x))): %v", err)
		}
	})
}
