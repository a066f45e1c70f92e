package testserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestExtrasExactResponses(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	tests := []struct {
		name        string
		path        string
		wantStatus  int
		wantHeaders map[string][]string // exact values of these headers
		wantBody    string
	}{
		{
			name: "xml", path: "/reqflow/xml", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"application/xml; charset=utf-8"}},
			wantBody:    XMLDocument,
		},
		{
			name: "iso-8859-15", path: "/reqflow/charset/iso-8859-15", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"text/plain; charset=ISO-8859-15"}},
			// ü=FC ß=DF ö=F6 €=A4 Œ=BC ç=E7 (ISO-8859-15 code chart).
			wantBody: "Gr\xfc\xdfe aus K\xf6ln: 5 \xa4 f\xfcr das \xbcuvre, \xe7a va?",
		},
		{
			name: "windows-1252", path: "/reqflow/charset/windows-1252", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"text/plain; charset=windows-1252"}},
			// “=93 ”=94 –=96 €=80 •=95 é=E9 (cp1252 code chart).
			wantBody: "\x93Smart quotes\x94 \x96 5 \x80 \x95 caf\xe9",
		},
		{
			name: "shift_jis upper case name", path: "/reqflow/charset/Shift_JIS", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"text/plain; charset=Shift_JIS"}},
			wantBody: "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\x81\x41" + // こんにちは、
				"\x90\xa2\x8a\x45\x81\x42" + // 世界。
				"\x93\xfa\x96\x7b\x8c\xea\x82\xcc" + // 日本語の
				"\x83\x65\x83\x4c\x83\x58\x83\x67\x82\xc5\x82\xb7\x81\x42" + // テキストです。
				"\xb6\xc0\xb6\xc5", // ｶﾀｶﾅ (half-width, one byte each)
		},
		{
			name: "charset in html meta", path: "/reqflow/charset/windows-1252?declare=meta", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"text/html"}},
			wantBody:    `<!DOCTYPE html><html><head><meta charset="windows-1252"><title>charset</title></head><body><p>` + "\x93Smart quotes\x94 \x96 5 \x80 \x95 caf\xe9</p></body></html>\n",
		},
		{
			name: "charset in xml declaration", path: "/reqflow/charset/iso-8859-15?declare=xml", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"application/xml"}},
			wantBody:    `<?xml version="1.0" encoding="ISO-8859-15"?>` + "\n<text>Gr\xfc\xdfe aus K\xf6ln: 5 \xa4 f\xfcr das \xbcuvre, \xe7a va?</text>\n",
		},
		{
			name: "charset undeclared", path: "/reqflow/charset/utf-8?declare=none", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"text/plain"}},
			wantBody:    "UTF-8: Grüße, €, 日本語, 🙂",
		},
		{
			name: "unknown charset", path: "/reqflow/charset/koi8-r", wantStatus: 404,
			wantHeaders: map[string][]string{"Content-Type": {"application/json; charset=utf-8"}},
			wantBody:    "{\n  \"error\": \"charset \\\"koi8-r\\\" is not served (want one of iso-8859-15, windows-1252, shift_jis, utf-8)\",\n  \"status\": 404\n}\n",
		},
		{
			name: "bad declare", path: "/reqflow/charset/utf-8?declare=bom", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter declare: \\\"bom\\\" is not one of header, meta, xml, none\",\n  \"status\": 400\n}\n",
		},
		{
			name: "login sets a cookie on a 302", path: "/reqflow/login", wantStatus: 302,
			wantHeaders: map[string][]string{
				"Set-Cookie": {"session=reqflow-session-42; Path=/; HttpOnly"},
				"Location":   {"/cookies"},
			},
		},
		{
			name: "relative redirect", path: "/reqflow/redirect/relative", wantStatus: 302,
			wantHeaders: map[string][]string{"Location": {"../../anything/relative?from=reqflow"}},
		},
		{
			name: "non-ascii redirect", path: "/reqflow/redirect/non-ascii", wantStatus: 302,
			wantHeaders: map[string][]string{"Location": {"/anything/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac?q=\xc3\xbc"}},
		},
		{
			name: "several set-cookie", path: "/reqflow/cookies/many", wantStatus: 200,
			wantHeaders: map[string][]string{"Set-Cookie": {
				"theme=dark; Path=/",
				"lang=en-US; Path=/; Max-Age=3600",
				"session=abc123; Path=/; HttpOnly; SameSite=Lax",
				"prefs=a%3Db; Path=/reqflow; Expires=Wed, 01 Jan 2042 00:00:00 GMT",
				"tracking=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
			}},
			wantBody: "5 cookies set\n",
		},
		{
			name: "rate limit default", path: "/reqflow/ratelimit", wantStatus: 429,
			wantHeaders: map[string][]string{"Retry-After": {"7"}, "Content-Type": {"application/json; charset=utf-8"}},
			wantBody:    "{\n  \"error\": \"Too Many Requests\",\n  \"retryAfter\": \"7\"\n}\n",
		},
		{
			name: "rate limit seconds", path: "/reqflow/ratelimit?after=120", wantStatus: 429,
			wantHeaders: map[string][]string{"Retry-After": {"120"}},
			wantBody:    "{\n  \"error\": \"Too Many Requests\",\n  \"retryAfter\": \"120\"\n}\n",
		},
		{
			name: "rate limit date", path: "/reqflow/ratelimit?after=Wed,%2021%20Oct%202015%2007:28:00%20GMT", wantStatus: 429,
			wantHeaders: map[string][]string{"Retry-After": {"Wed, 21 Oct 2015 07:28:00 GMT"}},
			wantBody:    "{\n  \"error\": \"Too Many Requests\",\n  \"retryAfter\": \"Wed, 21 Oct 2015 07:28:00 GMT\"\n}\n",
		},
		{
			name: "rate limit too long", path: "/reqflow/ratelimit?after=86401", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter after: 86401 seconds is more than 86400\",\n  \"status\": 400\n}\n",
		},
		{
			name: "rate limit garbage", path: "/reqflow/ratelimit?after=soon", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter after: \\\"soon\\\" is neither a number of seconds nor an HTTP date\",\n  \"status\": 400\n}\n",
		},
		{
			name: "stall bad duration", path: "/reqflow/stall?duration=forever", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter duration: \\\"forever\\\" is neither a number of seconds nor a duration like 1.5s\",\n  \"status\": 400\n}\n",
		},
		{
			name: "stall too long", path: "/reqflow/stall?duration=11m", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter duration: \\\"11m\\\" is outside 0s to 10m0s\",\n  \"status\": 400\n}\n",
		},
		{
			name: "json bigint", path: "/reqflow/json/bigint", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}},
			wantBody:    `{"id":12345678901234567890,"negative":-9007199254740993,"max":9007199254740992,"small":1,"float":1.5,"exp":1e400}` + "\n",
		},
		{
			name: "json bom", path: "/reqflow/json/bom", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Type": {"application/json"}},
			wantBody:    "\xef\xbb\xbf{\"bom\":true,\"text\":\"Gr\xc3\xbc\xc3\x9fe\"}\n",
		},
		{
			name: "json unknown", path: "/reqflow/json/huge", wantStatus: 404,
			wantBody: "{\n  \"error\": \"JSON document \\\"huge\\\" is not served (want bigint or bom)\",\n  \"status\": 404\n}\n",
		},
		{
			name: "file ascii name", path: "/reqflow/file/report.pdf?size=5", wantStatus: 200,
			wantHeaders: map[string][]string{
				"Content-Disposition": {`attachment; filename="report.pdf"`},
				"Content-Type":        {"application/octet-stream"},
				"Content-Length":      {"5"},
			},
			wantBody: "\x00\x01\x02\x03\x04",
		},
		{
			name: "file non-ascii name", path: "/reqflow/file/r%C3%A9sum%C3%A9%202024.pdf?size=3&type=application/pdf", wantStatus: 200,
			wantHeaders: map[string][]string{
				"Content-Disposition": {`attachment; filename="r_sum_ 2024.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.pdf`},
				"Content-Type":        {"application/pdf"},
			},
			wantBody: "\x00\x01\x02",
		},
		{
			name: "file quote in name", path: "/reqflow/file/a%22b.txt?size=0", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Disposition": {`attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`}},
		},
		{
			name: "file without disposition", path: "/reqflow/file/x.bin?size=2&disposition=none", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Disposition": nil, "Content-Length": {"2"}},
			wantBody:    "\x00\x01",
		},
		{
			name: "file bad size", path: "/reqflow/file/x.bin?size=-5", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter size: \\\"-5\\\" is not a number of bytes from 0 to 68719476736\",\n  \"status\": 400\n}\n",
		},
		{
			name: "file bad type", path: "/reqflow/file/x.bin?type=%3B", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter type: \\\";\\\" is not a media type\",\n  \"status\": 400\n}\n",
		},
		{
			name: "file bad disposition", path: "/reqflow/file/x.bin?disposition=inline", wantStatus: 400,
			wantBody: "{\n  \"error\": \"query parameter disposition: \\\"inline\\\" is not attachment or none\",\n  \"status\": 400\n}\n",
		},
		{
			name: "stall zero", path: "/reqflow/stall?duration=0", wantStatus: 200,
			wantHeaders: map[string][]string{"Content-Length": {"64"}},
			wantBody:    StallHead + StallTail,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, c, s.URL+tt.path)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.wantStatus, body)
			}
			for name, want := range tt.wantHeaders {
				if got := resp.Header.Values(name); !slices.Equal(got, want) {
					t.Errorf("header %s\n got %q\nwant %q", name, got, want)
				}
			}
			if string(body) != tt.wantBody {
				t.Errorf("body\n got %q\nwant %q", body, tt.wantBody)
			}
		})
	}
}

func TestCharsetTextMatchesBody(t *testing.T) {
	t.Parallel()
	for _, name := range CharsetNames() {
		text, ok := CharsetText(name)
		if !ok || text == "" {
			t.Fatalf("CharsetText(%q) = %q, %v", name, text, ok)
		}
		if _, _, err := CharsetBody(name, "header"); err != nil {
			t.Fatalf("CharsetBody(%q): %v", name, err)
		}
	}
	if text, ok := CharsetText("SHIFT_JIS"); !ok || text != "こんにちは、世界。日本語のテキストです。ｶﾀｶﾅ" {
		t.Fatalf("CharsetText(SHIFT_JIS) = %q, %v", text, ok)
	}
	if _, ok := CharsetText("ebcdic"); ok {
		t.Fatal("CharsetText(ebcdic) ok, want not served")
	}
}

// TestLoginCookieFollowed checks the point of /reqflow/login: a client with a
// cookie jar that follows the 302 sends the session cookie to /cookies.
func TestLoginCookieFollowed(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	jar := newJar(t)
	c := &http.Client{Jar: jar}
	resp, body := get(t, c, s.URL+Prefix+"/login")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if want := "{\n  \"cookies\": {\n    \"session\": \"reqflow-session-42\"\n  }\n}\n"; string(body) != want {
		t.Fatalf("body\n got %q\nwant %q", body, want)
	}
}

// TestRedirectTargetsExist follows the relative and non-ASCII redirects with
// Go's client and checks where they land.
func TestRedirectTargetsExist(t *testing.T) {
	t.Parallel()
	s, _ := setup(t)
	tests := []struct {
		path    string
		wantURL string
	}{
		{"/reqflow/redirect/relative", s.URL + "/anything/relative?from=reqflow"},
		// Go escapes the path but sends the query as it came: raw UTF-8.
		{"/reqflow/redirect/non-ascii", s.URL + "/anything/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=\u00fc"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, http.DefaultClient, s.URL+tt.path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := resp.Request.URL.String(); got != tt.wantURL {
				t.Fatalf("landed on %q, want %q", got, tt.wantURL)
			}
			if !strings.Contains(string(body), `"method": "GET"`) {
				t.Fatalf("body %q is not httpbin's /anything echo", body)
			}
		})
	}
}

func TestStall(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	const pause = 300 * time.Millisecond
	resp, err := c.Get(s.URL + Prefix + "/stall?duration=300ms")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	if resp.ContentLength != int64(len(StallHead)+len(StallTail)) {
		t.Fatalf("Content-Length %d, want %d", resp.ContentLength, len(StallHead)+len(StallTail))
	}
	r := bufio.NewReader(resp.Body)
	head := make([]byte, len(StallHead))
	if _, err := r.Read(head); err != nil || string(head) != StallHead {
		t.Fatalf("head %q (%v), want %q", head, err, StallHead)
	}
	start := time.Now()
	rest := make([]byte, len(StallTail))
	n, err := r.Read(rest)
	if err != nil || string(rest[:n]) != StallTail {
		t.Fatalf("tail %q (%v), want %q", rest[:n], err, StallTail)
	}
	if waited := time.Since(start); waited < pause-50*time.Millisecond {
		t.Fatalf("tail came %v after the head, want about %v", waited, pause)
	}
}

func TestStallDefaultFromOption(t *testing.T) {
	t.Parallel()
	s, c := setup(t, WithStall(time.Millisecond))
	resp, body := get(t, c, s.URL+Prefix+"/stall")
	if resp.StatusCode != 200 || string(body) != StallHead+StallTail {
		t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, body, StallHead+StallTail)
	}
}

// TestTruncatedRawBytes reads the raw connection: the server sends exactly
// TruncatedResponse, then closes.
func TestTruncatedRawBytes(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte("GET /reqflow/truncated HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatalf("write: %v", err)
	}
	var got strings.Builder
	buf := make([]byte, 512)
	for {
		n, err := conn.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if got.String() != TruncatedResponse {
		t.Fatalf("raw response\n got %q\nwant %q", got.String(), TruncatedResponse)
	}

	// Go's client sees the short body as an unexpected EOF.
	resp, err := c.Get(s.URL + Prefix + "/truncated")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil || err.Error() != "unexpected EOF" {
		t.Fatalf("reading the body: err %v, want unexpected EOF", err)
	}
	if string(body) != TruncatedBody {
		t.Fatalf("partial body %q, want %q", body, TruncatedBody)
	}
}

func TestIndexListsExtras(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	resp, body := get(t, c, s.URL+Prefix+"/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if lines[0] != "reqflow test server: every httpbin endpoint (see /), plus:" {
		t.Fatalf("first line %q", lines[0])
	}
	if want := "GET /reqflow/xml                   an XML document (attributes, repeated elements, CDATA, non-ASCII)"; lines[3] != want {
		t.Fatalf("line 4\n got %q\nwant %q", lines[3], want)
	}
	if got, want := len(lines), 2+20; got != want {
		t.Fatalf("%d lines, want %d:\n%s", got, want, body)
	}
}

// TestFilePattern downloads a file longer than the pattern's period.
func TestFilePattern(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	const size = 1<<20 + 7
	resp, body := get(t, c, s.URL+Prefix+"/file/big.bin?size="+strconv.Itoa(size))
	if resp.StatusCode != 200 || resp.ContentLength != size {
		t.Fatalf("status %d, Content-Length %d, want 200 and %d", resp.StatusCode, resp.ContentLength, size)
	}
	if !bytes.Equal(body, FileContent(size)) {
		t.Fatalf("body differs from FileContent(%d)", size)
	}
	if body[250] != 250 || body[251] != 0 || body[size-1] != byte((size-1)%251) {
		t.Fatalf("pattern bytes %d %d %d", body[250], body[251], body[size-1])
	}
	resp, body = do(t, c, http.MethodHead, s.URL+Prefix+"/file/big.bin", "", nil)
	if resp.StatusCode != 200 || resp.ContentLength != DefaultFileSize || len(body) != 0 {
		t.Fatalf("HEAD: status %d, Content-Length %d, body %d bytes", resp.StatusCode, resp.ContentLength, len(body))
	}
}

func TestUpload(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	tests := []struct {
		name    string
		body    io.Reader
		wantCL  int64
		wantTE  []string
		wantLen int64
		wantSHA string
	}{
		{"fixed length", strings.NewReader("abc"), 3, []string{}, 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"chunked", io.MultiReader(strings.NewReader("ab"), strings.NewReader("c")), -1, []string{"chunked"}, 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"empty", http.NoBody, 0, []string{}, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, s.URL+Prefix+"/upload", tt.body)
			if err != nil {
				t.Fatalf("building the request: %v", err)
			}
			req.Header.Set("Content-Type", "application/octet-stream")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("PUT: %v", err)
			}
			defer resp.Body.Close()
			var got UploadEcho
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			want := UploadEcho{Method: "PUT", ContentType: "application/octet-stream", ContentLength: tt.wantCL,
				TransferEncoding: tt.wantTE, Size: tt.wantLen, SHA256: tt.wantSHA}
			if resp.StatusCode != 200 || !reflect.DeepEqual(got, want) {
				t.Fatalf("status %d, echo %+v, want 200 %+v", resp.StatusCode, got, want)
			}
		})
	}
}

func TestFlaky(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	tests := []struct {
		name       string
		path       string
		wantStatus []int
		wantRetry  []string
	}{
		{"default", "/reqflow/flaky/a", []int{503, 503, 200, 200}, []string{"1", "1", "", ""}},
		{"429 with a date", "/reqflow/flaky/b?fail=1&status=429&after=Wed,%2021%20Oct%202015%2007:28:00%20GMT", []int{429, 200}, []string{"Wed, 21 Oct 2015 07:28:00 GMT", ""}},
		{"500 has no Retry-After", "/reqflow/flaky/c?fail=1&status=500", []int{500, 200}, []string{"", ""}},
		{"never fails", "/reqflow/flaky/d?fail=0", []int{200}, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			key := strings.TrimPrefix(strings.SplitN(tt.path, "?", 2)[0], "/reqflow/flaky/")
			for i, want := range tt.wantStatus {
				resp, body := get(t, c, s.URL+tt.path)
				if resp.StatusCode != want || resp.Header.Get("Retry-After") != tt.wantRetry[i] {
					t.Fatalf("attempt %d: status %d Retry-After %q, want %d %q", i+1, resp.StatusCode, resp.Header.Get("Retry-After"), want, tt.wantRetry[i])
				}
				wantBody := fmt.Sprintf("{\n  \"key\": %q,\n  \"attempt\": %d,\n  \"status\": %d\n}\n", key, i+1, want)
				if string(body) != wantBody {
					t.Fatalf("attempt %d: body\n got %q\nwant %q", i+1, body, wantBody)
				}
			}
		})
	}
	for _, bad := range []struct{ query, want string }{
		{"fail=101", `query parameter fail: "101" is not a number from 0 to 100`},
		{"status=302", `query parameter status: "302" is not a status from 400 to 599`},
		{"after=later", `query parameter after: "later" is neither a number of seconds nor an HTTP date`},
	} {
		resp, body := get(t, c, s.URL+"/reqflow/flaky/bad?"+bad.query)
		var got errorBody
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 400 || got.Error != bad.want {
			t.Fatalf("?%s: status %d error %q (%v), want 400 %q", bad.query, resp.StatusCode, got.Error, err, bad.want)
		}
	}
}
