package httpapp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/internal/testserver"
)

func TestFileName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, disposition, url, contentType, want string
	}{
		{"filename* UTF-8 with non-ASCII", `attachment; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf`, "http://h/dl", "", "naïve résumé.pdf"},
		{"filename* wins over filename", `attachment; filename="EUR rates.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`, "http://h/dl", "", "€ rates.txt"},
		{"filename* before filename wins too", `attachment; filename*=utf-8''%E2%82%AC.txt; filename="EUR.txt"`, "http://h/dl", "", "€.txt"},
		{"filename* ISO-8859-1 with language", `attachment; filename*=ISO-8859-1'en'%A3%20rates.txt`, "http://h/dl", "", "£ rates.txt"},
		{"filename* unknown charset falls back to filename", `attachment; filename="plain.txt"; filename*=KOI8-R''%C1.txt`, "http://h/dl", "", "plain.txt"},
		{"filename* invalid UTF-8 falls back to filename", `attachment; filename="plain.txt"; filename*=UTF-8''%FF.txt`, "http://h/dl", "", "plain.txt"},
		{"percent-encoded filename", `attachment; filename="na%C3%AFve.txt"`, "http://h/dl", "", "naïve.txt"},
		{"percent sign that is not an escape", `attachment; filename="100% done.txt"`, "http://h/dl", "", "100% done.txt"},
		{"raw UTF-8 filename", "attachment; filename=\"Grüße.txt\"", "http://h/dl", "", "Grüße.txt"},
		{"raw 8-bit ISO-8859-1 filename", "attachment; filename=\"Gr\xfc\xdfe.txt\"", "http://h/dl", "", "Grüße.txt"},
		{"unquoted filename", `attachment; filename=report.csv`, "http://h/dl", "", "report.csv"},
		{"quoted filename with escapes and semicolon", `attachment; filename="a \"b\"; c.txt"; size=3`, "http://h/dl", "", `a "b"; c.txt`},
		{"inline disposition", `inline; filename="view.html"`, "http://h/dl", "", "view.html"},
		{"parameter names in any case", `attachment; FileName="upper.txt"`, "http://h/dl", "", "upper.txt"},
		{"name with slashes", `attachment; filename="../../etc/passwd"`, "http://h/dl", "", "passwd"},
		{"name with backslashes", `attachment; filename="C:\\Users\\ada\\report.pdf"`, "http://h/dl", "", "report.pdf"},
		{"filename* with a path", `attachment; filename*=UTF-8''..%2F..%2Fsecret.txt`, "http://h/dl", "", "secret.txt"},
		{"name that is only ..", `attachment; filename=".."`, "http://h/files/fallback.bin", "", "fallback.bin"},
		{"empty filename", `attachment; filename=""`, "http://h/files/fallback.bin", "", "fallback.bin"},
		{"no header: last URL segment, decoded", "", "http://h/files/r%C3%A9sum%C3%A9%202026.pdf?x=1", "", "résumé 2026.pdf"},
		{"no header, no filename parameter", "attachment", "http://h/a/b/data.tar.gz", "", "data.tar.gz"},
		{"no header, URL ends in a slash", "", "http://h/dir/", "", "file"},
		{"no header, bare host", "", "http://h", "application/octet-stream", "file"},
		{"extension from the content type", "", "http://h/export", "application/json; charset=utf-8", "export.json"},
		{"extension for the fallback name", "", "http://h/", "text/plain; charset=utf-8", "file.txt"},
		{"extension for a header name", `attachment; filename="notes"`, "http://h/x", "text/csv", "notes.csv"},
		{"an existing extension is kept", `attachment; filename="photo.jpeg"`, "http://h/x", "image/png", "photo.jpeg"},
		{"control characters removed", "attachment; filename=\"a\x01b.txt\"", "http://h/x", "", "ab.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FileName(tt.disposition, tt.url, tt.contentType); got != tt.want {
				t.Errorf("FileName(%q, %q, %q) = %q, want %q", tt.disposition, tt.url, tt.contentType, got, tt.want)
			}
		})
	}
}

func FuzzFileName(f *testing.F) {
	f.Add(`attachment; filename*=UTF-8''na%C3%AFve.pdf; filename="x"`, "http://h/a%20b")
	f.Add("attachment; filename=\"Gr\xfc\xdfe.txt\"", "http://h/")
	f.Add(`attachment; filename="a\"; b`, "")
	f.Fuzz(func(t *testing.T, disposition, u string) {
		name := FileName(disposition, u, "text/plain")
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00\r\n") {
			t.Fatalf("FileName(%q, %q) = %q", disposition, u, name)
		}
	})
}

// runWith runs a blueprint against base with run options.
func runWith(t *testing.T, base, src string, opts engine.RunOptions) *engine.Execution {
	t.Helper()
	reg := engine.NewRegistry()
	if err := Register(reg, httpclient.New()); err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Inputs = map[string]any{"base": base}
	x, err := sc.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func getFileModule(id int, params, mapper string) string {
	return fmt.Sprintf(`{"id": %d, "module": "http:ActionGetFile", "version": 3, "parameters": {%s}, "mapper": {%s}}`, id, params, mapper)
}

func hexSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestGetFileThenUploadRoundTrip(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	tests := []struct {
		name     string
		path     string
		size     int64
		fileName string
		onDisk   bool
	}{
		{"small, in memory", "/reqflow/file/notes.txt?type=text/plain", 1000, "notes.txt", false},
		{"large, on disk, non-ASCII name", "/reqflow/file/Gr%C3%BC%C3%9Fe%202026.bin", 3 << 20, "Grüße 2026.bin", true},
		{"after a redirect, no disposition", "/redirect-to?url=%2Freqflow%2Ffile%2Fdata.bin%3Fdisposition%3Dnone%26size%3D300000", 300000, "data.bin", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if !strings.Contains(tt.path, "size=") {
				sep := "?"
				if strings.Contains(tt.path, "?") {
					sep = "&"
				}
				tt.path += fmt.Sprintf("%ssize=%d", sep, tt.size)
			}
			x := runWith(t, srv.URL, flow(
				getFileModule(1, `"handleErrors": true`, `"url": "{{var.input.base}}`+tt.path+`", "method": "get"`),
				v3(2, `"handleErrors": true`, `"url": "{{var.input.base}}/reqflow/multipart", "method": "post", "bodyType": "multipart_form_data", "parseResponse": true,
					"formDataFields": [{"fieldType": "text", "key": "title", "value": "{{1.fileName}}"}, {"fieldType": "file", "key": "file", "data": "{{1.data}}", "fileName": "{{1.fileName}}"}]`),
				v3(3, `"handleErrors": true`, `"url": "{{var.input.base}}/reqflow/upload", "method": "put", "bodyType": "raw", "contentType": "custom", "customContentType": "application/octet-stream", "data": "{{1.data}}", "parseResponse": true`),
			), engine.RunOptions{TempDir: dir})
			want := hexSum(testserver.FileContent(tt.size))
			got := output(t, x, 1)
			file, ok := got["data"].(*bundle.File)
			if !ok {
				t.Fatalf("1.data is %T", got["data"])
			}
			if got["fileName"] != tt.fileName || got["fileSize"] != tt.size || got["statusCode"] != 200 || file.SHA256 != want || (file.Path != "") != tt.onDisk {
				t.Fatalf("module 1: fileName %q fileSize %v statusCode %v sha %s on disk %v; want %q %d 200 %s %v",
					got["fileName"], got["fileSize"], got["statusCode"], file.SHA256, file.Path != "", tt.fileName, tt.size, want, tt.onDisk)
			}
			headers := got["headers"].(map[string]any)
			if headers["content-length"] != fmt.Sprint(tt.size) {
				t.Errorf("1.headers = %v", headers)
			}
			parts := output(t, x, 2)["data"].(map[string]any)["parts"].([]any)
			part := parts[1].(map[string]any)
			if parts[0].(map[string]any)["value"] != tt.fileName || part["name"] != "file" || part["filename"] != tt.fileName ||
				part["size"] != jsonNumber(tt.size) || part["sha256"] != want {
				t.Errorf("multipart echo = %v", jsonOf(t, parts))
			}
			echo := output(t, x, 3)["data"].(map[string]any)
			if echo["sha256"] != want || echo["size"] != jsonNumber(tt.size) || echo["contentLength"] != jsonNumber(tt.size) || echo["contentType"] != "application/octet-stream" {
				t.Errorf("upload echo = %v", jsonOf(t, echo))
			}
			// The execution removed its files.
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("temp dir after the execution holds %v", entries)
			}
		})
	}
}

func jsonNumber(n int64) any { return json.Number(fmt.Sprint(n)) }

func TestGetFileKeepsFilesWhenAsked(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	dir := t.TempDir()
	x := runWith(t, srv.URL, flow(getFileModule(1, ``, `"url": "{{var.input.base}}/reqflow/file/big.bin?size=400000"`)),
		engine.RunOptions{TempDir: dir, KeepFiles: true})
	file := output(t, x, 1)["data"].(*bundle.File)
	if filepath.Dir(filepath.Dir(file.Path)) != dir {
		t.Fatalf("file at %s, want inside %s", file.Path, dir)
	}
	b, err := os.ReadFile(file.Path)
	if err != nil || hexSum(b) != hexSum(testserver.FileContent(400000)) {
		t.Fatalf("kept file: %d bytes, %v", len(b), err)
	}
	saved, err := x.Files().SaveAll(filepath.Join(dir, "saved"))
	if err != nil || len(saved) != 1 || filepath.Base(saved[0]) != "big.bin" {
		t.Fatalf("SaveAll = %q, %v", saved, err)
	}
}

func TestGetFileErrors(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	tests := []struct {
		name, params, mapper string
		wantType             engine.ErrorType
		wantMessage          string
	}{
		{"404 with handleErrors", `"handleErrors": true`, `"url": "{{var.input.base}}/status/404"`, engine.RuntimeError, "[404] Not Found"},
		{"bad timeout", ``, `"url": "{{var.input.base}}/x", "timeout": "{{0}}"`, engine.InvalidConfigurationError, `field "timeout": must be between 1 and 300, got 0`},
		{"no URL", ``, `"url": "{{\"\"}}"`, engine.InvalidConfigurationError, `field "url": a URL is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := runWith(t, srv.URL, flow(getFileModule(1, tt.params, tt.mapper)), engine.RunOptions{TempDir: t.TempDir()})
			if x.Err == nil || x.Err.Type != tt.wantType || x.Err.Message != tt.wantMessage {
				t.Fatalf("error = %+v, want %s %q", x.Err, tt.wantType, tt.wantMessage)
			}
		})
	}
	t.Run("404 without handleErrors is a file", func(t *testing.T) {
		t.Parallel()
		x := runWith(t, srv.URL, flow(getFileModule(1, `"handleErrors": false`, `"url": "{{var.input.base}}/status/404"`)), engine.RunOptions{TempDir: t.TempDir()})
		got := output(t, x, 1)
		if got["statusCode"] != 404 || got["fileName"] != "404.txt" || got["fileSize"] != int64(0) {
			t.Fatalf("output = %s", jsonOf(t, got))
		}
	})
}

// A download that stalls mid-body fails with ModuleTimeoutError and leaves
// no partial file behind.
func TestGetFileStallLeavesNoPartialFile(t *testing.T) {
	t.Parallel()
	const sent = 600 << 10 // over the in-memory threshold
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(2*sent))
		_, _ = w.Write(make([]byte, sent))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	x := runWith(t, srv.URL, flow(getFileModule(1, ``, `"url": "{{var.input.base}}/stalls.bin", "timeout": 1`)),
		engine.RunOptions{TempDir: dir, KeepFiles: true})
	want := "reading response body from " + srv.URL + "/stalls.bin: timeout: no response body data for 1s"
	if x.Err == nil || x.Err.Type != engine.ModuleTimeoutError || !strings.HasSuffix(x.Err.Message, want) {
		t.Fatalf("error = %+v, want ModuleTimeoutError ending %q", x.Err, want)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 || len(x.Files().Files()) != 0 {
		t.Fatalf("after the stall: files on disk %q, in the store %d", files, len(x.Files().Files()))
	}
}

func TestProgressIsReported(t *testing.T) {
	t.Parallel()
	srv := testserver.NewTest(t)
	var gotName string
	var gotSize int64
	var n int64
	done := 0
	reg := engine.NewRegistry()
	if err := Register(reg, httpclient.New(), WithProgress(func(name string, size int64) (io.Writer, func()) {
		gotName, gotSize = name, size
		return writerFunc(func(p []byte) (int, error) { n += int64(len(p)); return len(p), nil }), func() { done++ }
	})); err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.Decode([]byte(flow(getFileModule(1, ``, `"url": "{{var.input.base}}/reqflow/file/p.bin?size=12345"`))))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Run(context.Background(), engine.RunOptions{Inputs: map[string]any{"base": srv.URL}, TempDir: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	if gotName != "p.bin" || gotSize != 12345 || n != 12345 || done != 1 {
		t.Fatalf("progress: name %q size %d bytes %d done %d", gotName, gotSize, n, done)
	}
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
