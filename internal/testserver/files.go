package testserver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Bodies of /reqflow/json/{name}.
const (
	// BigIntJSON is the body of /reqflow/json/bigint: integers a float64
	// cannot hold exactly, a number beyond float64's range (1e400) and
	// ordinary numbers.
	BigIntJSON = `{"id":12345678901234567890,"negative":-9007199254740993,"max":9007199254740992,"small":1,"float":1.5,"exp":1e400}` + "\n"
	// BOMJSON is the body of /reqflow/json/bom: a UTF-8 byte order mark
	// before a JSON document.
	BOMJSON = "\xef\xbb\xbf" + `{"bom":true,"text":"Grüße"}` + "\n"
)

func (x *extras) json(w http.ResponseWriter, r *http.Request) {
	switch name := r.PathValue("name"); name {
	case "bigint":
		writeBody(w, http.StatusOK, "application/json", []byte(BigIntJSON))
	case "bom":
		writeBody(w, http.StatusOK, "application/json", []byte(BOMJSON))
	default:
		writeError(w, http.StatusNotFound, fmt.Errorf("JSON document %q is not served (want bigint or bom)", name))
	}
}

// Downloads of /reqflow/file/{name}.
const (
	// DefaultFileSize is the size of /reqflow/file/{name} without ?size=.
	DefaultFileSize int64 = 1000
	// MaxFileSize is the largest ?size= /reqflow/file/{name} accepts.
	MaxFileSize int64 = 64 << 30
)

// FileByte returns byte i of every /reqflow/file/{name} body: i modulo 251,
// a pattern that shows a lost or repeated block at any offset.
func FileByte(i int64) byte { return byte(i % 251) }

// FileContent returns the first n bytes of every /reqflow/file/{name} body.
func FileContent(n int64) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = FileByte(int64(i))
	}
	return b
}

// FileDisposition returns the Content-Disposition /reqflow/file/{name}
// sends: `attachment; filename="…"` with an ASCII fallback (other bytes, `"`
// and `\` become `_`), followed, when the fallback is not the exact name, by
// the real name as an RFC 8187 filename* parameter (UTF-8, percent-encoded).
func FileDisposition(name string) string {
	var fallback, star strings.Builder
	exact := true
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			fallback.WriteByte('_')
			exact = false
			continue
		}
		fallback.WriteRune(r)
	}
	d := `attachment; filename="` + fallback.String() + `"`
	if exact {
		return d
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			star.WriteByte(b)
		} else {
			fmt.Fprintf(&star, "%%%02X", b)
		}
	}
	return d + "; filename*=UTF-8''" + star.String()
}

// isAttrChar reports whether RFC 8187 lets b appear unencoded in a value.
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}

// file serves ?size= bytes of the FileByte pattern named {name}: with a
// Content-Disposition (FileDisposition) unless ?disposition=none, as
// ?type= (default application/octet-stream), with a Content-Length.
func (x *extras) file(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	q := r.URL.Query()
	size := DefaultFileSize
	if v := q.Get("size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > MaxFileSize {
			writeError(w, http.StatusBadRequest, fmt.Errorf("query parameter size: %q is not a number of bytes from 0 to %d", v, MaxFileSize))
			return
		}
		size = n
	}
	ct := "application/octet-stream"
	if v := q.Get("type"); v != "" {
		if _, _, err := mime.ParseMediaType(v); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("query parameter type: %q is not a media type", v))
			return
		}
		ct = v
	}
	switch d := q.Get("disposition"); d {
	case "", "attachment":
		w.Header().Set("Content-Disposition", FileDisposition(name))
	case "none":
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("query parameter disposition: %q is not attachment or none", d))
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	// A large download may take longer than the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	_, _ = io.CopyN(w, &patternReader{}, size)
}

// patternReader yields the FileByte pattern forever.
type patternReader struct{ off int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = FileByte(p.off + int64(i))
	}
	p.off += int64(len(b))
	return len(b), nil
}

// MaxUploadSize is the largest body /reqflow/upload reads.
const MaxUploadSize int64 = 64 << 30

// UploadEcho is the JSON body of /reqflow/upload.
type UploadEcho struct {
	// Method is the request method.
	Method string `json:"method"`
	// ContentType is the request's Content-Type header.
	ContentType string `json:"contentType"`
	// ContentLength is the declared length, -1 when unknown (chunked).
	ContentLength int64 `json:"contentLength"`
	// TransferEncoding lists the request's transfer codings ("chunked").
	TransferEncoding []string `json:"transferEncoding"`
	// Size is the number of body bytes received.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the body.
	SHA256 string `json:"sha256"`
}

// upload reads the whole body, up to MaxUploadSize, without keeping it,
// and reports its size and SHA-256: for streaming uploads of any size.
func (x *extras) upload(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	h := sha256.New()
	n, err := io.Copy(h, http.MaxBytesReader(w, r.Body, MaxUploadSize))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err))
		return
	}
	te := r.TransferEncoding
	if te == nil {
		te = []string{}
	}
	writeJSON(w, http.StatusOK, UploadEcho{
		Method:           r.Method,
		ContentType:      r.Header.Get("Content-Type"),
		ContentLength:    r.ContentLength,
		TransferEncoding: te,
		Size:             n,
		SHA256:           hex.EncodeToString(h.Sum(nil)),
	})
}
