package engine

import "testing"

func TestFieldsReportEveryBadFieldOnOneLine(t *testing.T) {
	t.Parallel()
	f := NewFields(map[string]any{"timeout": "999", "method": "fetch", "gzip": "maybe", "qs": "x"})
	f.Int("timeout", 40, 1, 300)
	f.OneOf("method", "get", "get", "post")
	f.Bool("gzip", true)
	f.Items("qs")
	want := `field "timeout": must be between 1 and 300, got 999; field "method": expected one of get, post, got "fetch"; ` +
		`field "gzip": expected a boolean, got "maybe"; field "qs": expected a list, got text "x"`
	if err := f.Err(); err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
	if err := NewFields(nil).Err(); err != nil {
		t.Errorf("no fields: %v", err)
	}
}
