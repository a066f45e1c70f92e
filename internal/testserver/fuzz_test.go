package testserver

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadMultipartEcho feeds arbitrary Content-Types and bodies to the
// multipart echo: it must never panic, and what it reports must be
// consistent with the input.
func FuzzReadMultipartEcho(f *testing.F) {
	f.Add("multipart/form-data; boundary=XyZ", []byte(multipartBody))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc"))
	f.Add("multipart/mixed; boundary=\"quoted b\"", []byte("--quoted b\r\n\r\nx\r\n--quoted b--\r\n"))
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name*=UTF-8''%E2%82%AC\r\n\r\n\r\n--b--"))
	f.Add("text/plain", []byte("x"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		echo, err := ReadMultipartEcho(contentType, bytes.NewReader(body))
		if err != nil {
			if echo != nil {
				t.Fatalf("error %v with a non-nil echo", err)
			}
			if !strings.HasPrefix(err.Error(), "reading ") {
				t.Fatalf("error %q does not say what was being read", err)
			}
			return
		}
		if echo.Boundary == "" || echo.ContentType != contentType {
			t.Fatalf("echo %+v does not match Content-Type %q", echo, contentType)
		}
		var total int64
		for i, p := range echo.Parts {
			total += p.Size
			if len(p.SHA256) != 64 {
				t.Fatalf("part %d: sha256 %q is not 64 hex digits", i, p.SHA256)
			}
			if p.Value != nil && (int64(len(*p.Value)) != p.Size || p.Size > MaxEchoedValue) {
				t.Fatalf("part %d: value of %d bytes for size %d", i, len(*p.Value), p.Size)
			}
		}
		if total > int64(len(body)) {
			t.Fatalf("parts total %d bytes from a %d-byte body", total, len(body))
		}
	})
}

// FuzzQueryParameters checks the parsers of ?duration= and ?after=: no
// panic, results in range, errors that name the parameter.
func FuzzQueryParameters(f *testing.F) {
	for _, s := range []string{"0", "2", "1.5s", "200ms", "10m", "10m1s", "-1s", "forever", "86400", "86401",
		"Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, err := parseStall(v)
		if err == nil && (d < 0 || d > MaxStall) {
			t.Fatalf("parseStall(%q) = %v, outside 0 to %v", v, d, MaxStall)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "query parameter duration: ") {
			t.Fatalf("parseStall(%q) error %q does not name the parameter", v, err)
		}
		if err := checkRetryAfter(v); err != nil && !strings.HasPrefix(err.Error(), "query parameter after: ") {
			t.Fatalf("checkRetryAfter(%q) error %q does not name the parameter", v, err)
		}
	})
}
