package examples

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/reqflow/reqflow/internal/testserver"
)

// wantExamples is every example with the execution status it expects.
var wantExamples = map[string]string{
	"basic-auth.yaml":      "success",
	"charset.json":         "success",
	"compressed.json":      "success",
	"cookies.json":         "success",
	"download-upload.json": "success",
	"error-404.json":       "error",
	"form-urlencoded.json": "success",
	"get-json.json":        "success",
	"http-v4.json":         "success",
	"multipart-file.json":  "success",
	"post-json.json":       "success",
	"redirect.json":        "success",
	"resolve-headers.json": "success",
	"xml.json":             "success",
}

// v3Keys are the mapper keys every Make export of "Make a request" writes.
var v3Keys = []string{
	"ca", "qs", "url", "gzip", "method", "headers", "timeout", "useMtls", "authPass", "authUser",
	"bodyType", "serializeUrl", "shareCookies", "parseResponse", "followRedirect", "useQuerystring",
	"followAllRedirects", "rejectUnauthorized",
}

// v4Keys are the mapper keys of http:MakeRequest the examples set.
var v4Keys = []string{
	"url", "method", "headers", "queryParameters", "parseResponse", "stopOnHttpError", "timeout",
	"allowRedirects", "shareCookies", "requestCompressedContent",
}

var methods = []string{"get", "head", "post", "put", "patch", "delete", "options"}

// example is one decoded example file.
type example struct {
	file string
	raw  []byte
	bp   map[string]any
}

// setup decodes every example of FS.
func setup(t *testing.T) []example {
	t.Helper()
	entries, err := fs.ReadDir(FS, ".")
	if err != nil {
		t.Fatalf("listing FS: %v", err)
	}
	var out []example
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if ext != ".json" && ext != ".yaml" {
			continue
		}
		raw, err := fs.ReadFile(FS, e.Name())
		if err != nil {
			t.Fatalf("reading %s: %v", e.Name(), err)
		}
		var bp map[string]any
		if ext == ".json" {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&bp); err != nil {
				t.Fatalf("%s: invalid JSON: %v", e.Name(), err)
			}
			if dec.More() {
				t.Fatalf("%s: data after the JSON document", e.Name())
			}
		} else if err := yaml.Unmarshal(raw, &bp); err != nil {
			t.Fatalf("%s: invalid YAML: %v", e.Name(), err)
		}
		out = append(out, example{file: e.Name(), raw: raw, bp: bp})
	}
	return out
}

func TestEveryExampleIsListed(t *testing.T) {
	t.Parallel()
	var got []string
	for _, ex := range setup(t) {
		got = append(got, ex.file)
	}
	var want []string
	for f := range wantExamples {
		want = append(want, f)
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Fatalf("example files\n got %q\nwant %q", got, want)
	}
	readme, err := fs.ReadFile(FS, "README.md")
	if err != nil {
		t.Fatalf("reading README.md: %v", err)
	}
	for _, f := range want {
		if !strings.Contains(string(readme), "| `"+f+"` |") {
			t.Errorf("README.md has no table row for %s", f)
		}
	}
}

func TestExampleLayout(t *testing.T) {
	t.Parallel()
	for _, ex := range setup(t) {
		t.Run(ex.file, func(t *testing.T) {
			t.Parallel()
			checkLayout(t, ex)
		})
	}
}

// checkLayout checks one blueprint against Make's export layout.
func checkLayout(t *testing.T, ex example) {
	t.Helper()
	bp := ex.bp
	if keys := sortedKeys(bp); !slices.Equal(keys, []string{"flow", "metadata", "name"}) {
		t.Fatalf("top-level keys %q, want flow, metadata, name", keys)
	}
	if name, _ := bp["name"].(string); name == "" {
		t.Fatal("name is empty")
	}
	md, _ := bp["metadata"].(map[string]any)
	for _, k := range []string{"version", "scenario", "designer", "zone"} {
		if _, ok := md[k]; !ok {
			t.Errorf("metadata has no %q", k)
		}
	}
	wantStatus := "success"
	if r, ok := md["reqflow"].(map[string]any); ok {
		wantStatus, _ = r["expect"].(string)
	}
	if wantStatus != wantExamples[ex.file] {
		t.Errorf("metadata.reqflow.expect says %q, want %q", wantStatus, wantExamples[ex.file])
	}
	flow, _ := bp["flow"].([]any)
	if len(flow) == 0 {
		t.Fatal("flow is empty")
	}
	seen := map[int]bool{}
	for i, item := range flow {
		m, _ := item.(map[string]any)
		where := fmt.Sprintf("flow[%d]", i)
		id, err := intOf(m["id"])
		if err != nil || id < 1 || id > 99 {
			t.Fatalf("%s: id %v is not a small positive integer", where, m["id"])
		}
		if seen[id] {
			t.Fatalf("%s: id %d used twice", where, id)
		}
		seen[id] = true
		where = fmt.Sprintf("module %d", id)

		mdm, _ := m["metadata"].(map[string]any)
		designer, _ := mdm["designer"].(map[string]any)
		if _, ok := designer["x"]; !ok {
			t.Errorf("%s: metadata.designer has no x", where)
		}
		if _, ok := designer["y"]; !ok {
			t.Errorf("%s: metadata.designer has no y", where)
		}
		if name, _ := designer["name"].(string); name == "" {
			t.Errorf("%s: metadata.designer.name is empty", where)
		}

		mapper, _ := m["mapper"].(map[string]any)
		params, _ := m["parameters"].(map[string]any)
		version, _ := intOf(m["version"])
		if m["module"] == "http:ActionRetrieveHeaders" {
			// An iterator over an earlier HTTP module's headers: no URL.
			src, err := intOf(params["module"])
			if version != 3 || err != nil || !seen[src] || src == id {
				t.Errorf("%s: version %d, parameters.module %v: want version 3 and an earlier module", where, version, params["module"])
			}
			continue
		}
		method, _ := mapper["method"].(string)
		if !slices.Contains(methods, method) {
			t.Errorf("%s: method %q is not one of Make's lower-case methods", where, method)
		}
		url, _ := mapper["url"].(string)
		if !strings.HasPrefix(url, "{{var.input.httpbin}}/") {
			t.Errorf("%s: url %q does not start with {{var.input.httpbin}}/", where, url)
		}
		switch m["module"] {
		case "http:ActionSendData":
			if version != 3 {
				t.Errorf("%s: version %d, want 3", where, version)
			}
			checkV3(t, where, mapper, params)
		case "http:MakeRequest":
			if version != 4 {
				t.Errorf("%s: version %d, want 4", where, version)
			}
			for _, k := range v4Keys {
				if _, ok := mapper[k]; !ok {
					t.Errorf("%s: mapper has no %q", where, k)
				}
			}
			if params["authenticationType"] != "noAuth" {
				t.Errorf("%s: parameters.authenticationType %v, want noAuth", where, params["authenticationType"])
			}
		case "http:ActionGetFile", "http:ActionResolveTargetURL":
			if version != 3 {
				t.Errorf("%s: version %d, want 3", where, version)
			}
			want := []string{"method", "url"}
			if m["module"] == "http:ActionGetFile" {
				want = []string{"method", "serializeUrl", "shareCookies", "url"}
			}
			if keys := sortedKeys(mapper); !slices.Equal(keys, want) {
				t.Errorf("%s: mapper keys %q, want %q (as Make exports them)", where, keys, want)
			}
		default:
			t.Errorf("%s: module %v is not an HTTP module", where, m["module"])
		}
		// Mappings may only refer to modules that ran before.
		for _, ref := range refs(mapper) {
			if !seen[ref] || ref == id {
				t.Errorf("%s: maps {{%d.…}}, which is not an earlier module", where, ref)
			}
		}
	}
}

func checkV3(t *testing.T, where string, mapper, params map[string]any) {
	t.Helper()
	for _, k := range v3Keys {
		if _, ok := mapper[k]; !ok {
			t.Errorf("%s: mapper has no %q", where, k)
		}
	}
	if _, ok := params["handleErrors"].(bool); !ok {
		t.Errorf("%s: parameters.handleErrors %v is not a boolean", where, params["handleErrors"])
	}
	for _, list := range []string{"qs", "headers"} {
		items, _ := mapper[list].([]any)
		for j, it := range items {
			kv, _ := it.(map[string]any)
			if keys := sortedKeys(kv); !slices.Equal(keys, []string{"name", "value"}) {
				t.Errorf("%s: %s[%d] keys %q, want name, value", where, list, j, keys)
			}
		}
	}
	switch bt := mapper["bodyType"]; bt {
	case "":
	case "raw":
		if _, ok := mapper["contentType"].(string); !ok {
			t.Errorf("%s: raw body without contentType", where)
		}
		if _, ok := mapper["data"].(string); !ok {
			t.Errorf("%s: raw body without data", where)
		}
	case "x_www_form_urlencoded":
		items, _ := mapper["formFields"].([]any)
		if len(items) == 0 {
			t.Errorf("%s: x_www_form_urlencoded without formFields", where)
		}
		for j, it := range items {
			if keys := sortedKeys(it.(map[string]any)); !slices.Equal(keys, []string{"key", "value"}) {
				t.Errorf("%s: formFields[%d] keys %q, want key, value", where, j, keys)
			}
		}
	case "multipart_form_data":
		items, _ := mapper["formDataFields"].([]any)
		if len(items) == 0 {
			t.Errorf("%s: multipart_form_data without formDataFields", where)
		}
		for j, it := range items {
			f := it.(map[string]any)
			want := []string{"fieldType", "key", "value"}
			if f["fieldType"] == "file" {
				want = []string{"data", "fieldType", "fileName", "key"}
			}
			if keys := sortedKeys(f); !slices.Equal(keys, want) {
				t.Errorf("%s: formDataFields[%d] keys %q, want %q", where, j, keys, want)
			}
		}
	default:
		t.Errorf("%s: bodyType %v is not raw, x_www_form_urlencoded, multipart_form_data or empty", where, bt)
	}
}

// TestExampleURLsExist sends each module's method to its URL on a real test
// server (URLs with mappings other than the input are skipped) and checks
// the endpoint exists: only error-404.json may meet a 404.
func TestExampleURLsExist(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, ex := range setup(t) {
		for _, item := range ex.bp["flow"].([]any) {
			m := item.(map[string]any)
			mapper := m["mapper"].(map[string]any)
			raw, ok := mapper["url"].(string)
			if !ok {
				continue // Retrieve Headers sends no request
			}
			url := strings.Replace(raw, "{{var.input.httpbin}}", srv.URL, 1)
			if strings.Contains(url, "{{") {
				continue
			}
			method := strings.ToUpper(mapper["method"].(string))
			req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
			if err != nil {
				t.Fatalf("%s: building %s %s: %v", ex.file, method, url, err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s: %s %s: %v", ex.file, method, url, err)
			}
			resp.Body.Close()
			want404 := ex.file == "error-404.json"
			if got404 := resp.StatusCode == http.StatusNotFound; got404 != want404 || resp.StatusCode == http.StatusMethodNotAllowed {
				t.Errorf("%s: %s %s answered %d", ex.file, method, url, resp.StatusCode)
			}
		}
	}
}

// refRE finds the module ids a mapping refers to: {{2.data…}}, {{ 1.x }}.
var refRE = regexp.MustCompile(`\{\{\s*(\d+)\.`)

func refs(v any) []int {
	var out []int
	switch x := v.(type) {
	case string:
		for _, m := range refRE.FindAllStringSubmatch(x, -1) {
			var n int
			fmt.Sscan(m[1], &n)
			out = append(out, n)
		}
	case []any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	case map[string]any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	}
	return out
}

func intOf(v any) (int, error) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return int(i), err
	case int:
		return n, nil
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
