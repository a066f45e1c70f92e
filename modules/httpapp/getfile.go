package httpapp

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// getFileMethods are the methods Get a File offers.
var getFileMethods = []string{"get", "post"}

func getFileSpec(d *deps) *engine.Spec {
	return &engine.Spec{
		ID:       "http:ActionGetFile",
		Versions: []int{3},
		Label:    "Get a file",
		Description: "Downloads a file from a URL into the execution's file store, streaming it to disk " +
			"when large. Outputs {data, fileName, fileSize, statusCode, headers}; data is a file value that " +
			"later modules map into uploads.",
		Parameters: []engine.Field{handleErrorsParam},
		Mapper: []engine.Field{
			{Name: "url", Label: "URL", Type: engine.Text, Required: true, Description: "The URL of the file to download."},
			{Name: "serializeUrl", Label: "Serialize URL", Type: engine.Boolean, Default: false, Description: "Also percent-encode reserved characters inside mapped path segments."},
			{Name: "method", Label: "Method", Type: engine.Select, Default: "get", Options: getFileMethods},
			{Name: "headers", Label: "Headers", Type: engine.Array, Fields: nameValue, Description: "Sent in this order, names with their exact case (reqflow extension)."},
			{Name: "shareCookies", Label: "Share cookies with other HTTP modules", Type: engine.Boolean, Default: false},
			{Name: "timeout", Label: "Timeout", Type: engine.Integer, Default: DefaultTimeoutSeconds, Description: "Seconds, 1–300. Bounds connecting, the response head and any pause in the body, not the whole download."},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			handle := p.Bool("handleErrors", false)
			if err := p.Err(); err != nil {
				return nil, fmt.Errorf("parameters: %w", err)
			}
			if err := checkStatic(m.Mapper); err != nil {
				return nil, err
			}
			return &getFile{client: d.client, handleErrors: handle, progress: d.files.progress}, nil
		},
	}
}

// getFile is Get a File (http:ActionGetFile v3).
type getFile struct {
	client       *httpclient.Client
	handleErrors bool
	progress     ProgressFunc
}

// Run downloads one file.
func (g *getFile) Run(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	req := &httpclient.Request{
		URL:            strings.TrimSpace(f.Text("url")),
		SerializeURL:   f.Bool("serializeUrl", false),
		Method:         strings.ToUpper(f.OneOf("method", "get", Methods...)),
		Headers:        headers(f, "headers", "name", "value"),
		Timeout:        time.Duration(f.Int("timeout", DefaultTimeoutSeconds, 1, 300)) * time.Second,
		FollowRedirect: true,
		Compressed:     true,
	}
	checkURL(f, req)
	if err := f.Err(); err != nil {
		return nil, &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
	}
	if f.Bool("shareCookies", false) {
		req.Jar = op.Execution.CookieJar()
	}
	sr, err := g.client.Open(ctx, req)
	if err != nil {
		return nil, clientError(err)
	}
	defer sr.Body.Close()
	recordHeaders(ctx, sr.HeaderOrder)
	if g.handleErrors && (sr.StatusCode < 200 || sr.StatusCode > 399) {
		excerpt, _ := io.ReadAll(io.LimitReader(sr.Body, 64<<10))
		return nil, statusError(&httpclient.Response{StatusCode: sr.StatusCode, Header: sr.Header, Body: excerpt})
	}
	ct := sr.Header.Get("Content-Type")
	name := FileName(sr.Header.Get("Content-Disposition"), sr.URL, ct)
	w := op.Execution.Files().Create(name, mediaType(ct))
	var src io.Reader = sr.Body
	if g.progress != nil {
		size := sr.ContentLength
		if sr.Header.Get("Content-Encoding") != "" {
			size = -1
		}
		pw, done := g.progress(name, size)
		if done != nil {
			defer done()
		}
		if pw != nil {
			src = io.TeeReader(src, pw)
		}
	}
	if _, err := io.Copy(w, src); err != nil {
		w.Abort()
		return nil, clientError(fmt.Errorf("downloading %s: %w", name, err))
	}
	file, err := w.Commit()
	if err != nil {
		return nil, &engine.Error{Type: engine.RuntimeError, Message: err.Error(), Err: err}
	}
	return []bundle.Bundle{{
		"data":       file,
		"fileName":   file.Name,
		"fileSize":   file.Size,
		"statusCode": sr.StatusCode,
		"headers":    headerCollection(sr.Header),
	}}, nil
}

// mediaType returns the media type of a Content-Type without parameters
// other than charset, or "" when there is none.
func mediaType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return ""
	}
	if cs := params["charset"]; cs != "" {
		return mt + "; charset=" + cs
	}
	return mt
}

// FileName chooses the name of a downloaded file, in this order:
//
//  1. Content-Disposition's filename* (RFC 5987/8187: charset UTF-8 or
//     ISO-8859-1, percent-decoded);
//  2. its filename, quoted or not, as UTF-8 when the bytes are valid UTF-8
//     and as ISO-8859-1 otherwise, percent-decoded when it holds %XX escapes
//     that decode to UTF-8 (as browsers do);
//  3. the last path segment of the final URL (after redirects),
//     percent-decoded;
//  4. "file".
//
// Any path is stripped (only the part after the last / or \ counts), as are
// control characters; "", "." and ".." do not count as names. When the name
// has no extension, one is added from the Content-Type (".json" for
// application/json, ".txt" for text/plain…).
func FileName(disposition, finalURL, contentType string) string {
	params := dispositionParams(disposition)
	name := ""
	if v, ok := params["filename*"]; ok {
		name = cleanName(decodeExtValue(v))
	}
	if name == "" {
		if v, ok := params["filename"]; ok {
			name = cleanName(decodePlainName(v))
		}
	}
	if name == "" {
		if u, err := url.Parse(finalURL); err == nil {
			seg := u.EscapedPath()
			if i := strings.LastIndexByte(seg, '/'); i >= 0 {
				seg = seg[i+1:]
			}
			if dec, err := url.PathUnescape(seg); err == nil && utf8.ValidString(dec) {
				seg = dec
			}
			name = cleanName(seg)
		}
	}
	if name == "" {
		name = "file"
	}
	if path.Ext(name) == "" {
		name += extensionFor(contentType)
	}
	return name
}

// dispositionParams splits the parameters of a Content-Disposition value,
// keyed by lower-case name. Values may be tokens or quoted strings (with
// backslash escapes); bytes outside ASCII are kept as they are.
func dispositionParams(v string) map[string]string {
	out := map[string]string{}
	// Skip the disposition type.
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return out
	}
	s := v[i+1:]
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t;")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			break
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			j := 1
			for ; j < len(s); j++ {
				c := s[j]
				if c == '\\' && j+1 < len(s) {
					j++
					b.WriteByte(s[j])
					continue
				}
				if c == '"' {
					break
				}
				b.WriteByte(c)
			}
			val = b.String()
			s = s[min(j+1, len(s)):]
			if k := strings.IndexByte(s, ';'); k >= 0 {
				s = s[k:]
			} else {
				s = ""
			}
		} else {
			k := strings.IndexByte(s, ';')
			if k < 0 {
				k = len(s)
			}
			val = strings.TrimSpace(s[:k])
			s = s[k:]
		}
		if _, dup := out[key]; !dup && key != "" {
			out[key] = val
		}
	}
	return out
}

// decodeExtValue decodes an RFC 5987 ext-value: charset'language'value.
// It returns "" when the value cannot be decoded.
func decodeExtValue(v string) string {
	charset, rest, ok := strings.Cut(v, "'")
	if !ok {
		return ""
	}
	_, enc, ok := strings.Cut(rest, "'")
	if !ok {
		return ""
	}
	raw, err := url.PathUnescape(enc)
	if err != nil {
		return ""
	}
	switch strings.ToLower(charset) {
	case "utf-8":
		if !utf8.ValidString(raw) {
			return ""
		}
		return raw
	case "iso-8859-1":
		return latin1ToUTF8(raw)
	}
	return ""
}

// decodePlainName decodes a filename parameter: raw UTF-8 as it is, other
// 8-bit bytes as ISO-8859-1, %XX escapes decoded when they make UTF-8.
func decodePlainName(v string) string {
	if !utf8.ValidString(v) {
		return latin1ToUTF8(v)
	}
	if strings.Contains(v, "%") {
		if dec, err := url.PathUnescape(v); err == nil && utf8.ValidString(dec) {
			return dec
		}
	}
	return v
}

func latin1ToUTF8(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// cleanName keeps the last path element of a name, without control
// characters or surrounding spaces; "", "." and ".." become "".
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// commonExtensions picks the usual extension where a media type has several.
var commonExtensions = map[string]string{
	"application/json":         ".json",
	"application/xml":          ".xml",
	"text/xml":                 ".xml",
	"text/plain":               ".txt",
	"text/html":                ".html",
	"text/csv":                 ".csv",
	"text/css":                 ".css",
	"text/javascript":          ".js",
	"application/javascript":   ".js",
	"application/pdf":          ".pdf",
	"application/zip":          ".zip",
	"application/gzip":         ".gz",
	"image/png":                ".png",
	"image/jpeg":               ".jpg",
	"image/gif":                ".gif",
	"image/webp":               ".webp",
	"image/svg+xml":            ".svg",
	"audio/mpeg":               ".mp3",
	"video/mp4":                ".mp4",
	"application/octet-stream": "",
}

// extensionFor returns the extension for a Content-Type, or "".
func extensionFor(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	if ext, ok := commonExtensions[mt]; ok {
		return ext
	}
	if exts, err := mime.ExtensionsByType(mt); err == nil && len(exts) > 0 {
		return exts[0]
	}
	return ""
}

var _ engine.Module = (*getFile)(nil)
