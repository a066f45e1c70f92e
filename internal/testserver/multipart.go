package testserver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxEchoedValue is the longest part body the multipart echo repeats as
// text in "value"; longer or binary parts only report size and SHA-256.
const MaxEchoedValue = 4 << 10

// MultipartEcho is the JSON body of /reqflow/multipart.
type MultipartEcho struct {
	// ContentType is the request's Content-Type header.
	ContentType string `json:"contentType"`
	// Boundary is the boundary parameter of ContentType.
	Boundary string `json:"boundary"`
	// Parts lists the parts in the order received.
	Parts []MultipartPart `json:"parts"`
}

// MultipartPart describes one part of a multipart body, bytes as received
// (no Content-Transfer-Encoding is undone).
type MultipartPart struct {
	// Name is the name parameter of Content-Disposition.
	Name string `json:"name"`
	// FileName is the filename parameter of Content-Disposition (filename*
	// of RFC 2231 decoded and preferred, as mime.ParseMediaType does), or nil
	// when the part has none.
	FileName *string `json:"filename"`
	// ContentDisposition is the part's raw Content-Disposition header.
	ContentDisposition string `json:"contentDisposition"`
	// ContentType is the part's raw Content-Type header, "" when absent.
	ContentType string `json:"contentType"`
	// Size is the length of the part's body in bytes.
	Size int64 `json:"size"`
	// SHA256 is the hex SHA-256 of the part's body.
	SHA256 string `json:"sha256"`
	// Value is the body as text when it is valid UTF-8 of at most
	// MaxEchoedValue bytes, else nil.
	Value *string `json:"value"`
}

// ReadMultipartEcho reads a multipart/form-data body (contentType is the
// request's Content-Type) and describes every part. It is what
// /reqflow/multipart answers with.
func ReadMultipartEcho(contentType string, body io.Reader) (*MultipartEcho, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("reading the Content-Type header: %w", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return nil, fmt.Errorf("reading the Content-Type header: %q is not multipart", mt)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return nil, errors.New("reading the Content-Type header: no boundary parameter")
	}
	echo := &MultipartEcho{ContentType: contentType, Boundary: boundary, Parts: []MultipartPart{}}
	mr := multipart.NewReader(body, boundary)
	for i := 1; ; i++ {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return echo, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading multipart part %d: %w", i, err)
		}
		part := MultipartPart{
			ContentDisposition: p.Header.Get("Content-Disposition"),
			ContentType:        p.Header.Get("Content-Type"),
		}
		if part.ContentDisposition != "" {
			_, dp, err := mime.ParseMediaType(part.ContentDisposition)
			if err != nil {
				return nil, fmt.Errorf("reading multipart part %d: Content-Disposition: %w", i, err)
			}
			part.Name = dp["name"]
			if fn, ok := dp["filename"]; ok {
				part.FileName = &fn
			}
		}
		h := sha256.New()
		head := &capWriter{max: MaxEchoedValue + 1}
		n, err := io.Copy(io.MultiWriter(h, head), p)
		if err != nil {
			return nil, fmt.Errorf("reading multipart part %d: %w", i, err)
		}
		part.Size = n
		part.SHA256 = hex.EncodeToString(h.Sum(nil))
		if n <= MaxEchoedValue && utf8.Valid(head.buf) {
			v := string(head.buf)
			part.Value = &v
		}
		echo.Parts = append(echo.Parts, part)
	}
}

// capWriter keeps the first max bytes written to it and discards the rest.
type capWriter struct {
	buf []byte
	max int
}

func (c *capWriter) Write(p []byte) (int, error) {
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (x *extras) multipart(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, x.cfg.maxBodySize)
	echo, err := ReadMultipartEcho(r.Header.Get("Content-Type"), body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, echo)
}
