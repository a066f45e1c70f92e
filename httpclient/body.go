package httpclient

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"strings"
	"unicode/utf8"
)

// Body is a request body. It is opened afresh for every send, so a body can
// be sent again after a 307/308 redirect or a transport retry.
// Implementations must be safe to Open more than once.
type Body interface {
	// ContentType returns the media type for the Content-Type header, or ""
	// to send none.
	ContentType() string
	// Len returns the length in bytes, or -1 when it is not known in
	// advance (the body is then sent chunked).
	Len() int64
	// Open returns a new reader positioned at the start of the body.
	Open() (io.ReadCloser, error)
}

// RawBody returns a body that sends data byte for byte. contentType ""
// sends no Content-Type.
func RawBody(contentType string, data []byte) Body {
	return &rawBody{contentType: contentType, data: data}
}

type rawBody struct {
	contentType string
	data        []byte
}

func (b *rawBody) ContentType() string { return b.contentType }
func (b *rawBody) Len() int64          { return int64(len(b.data)) }
func (b *rawBody) Open() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(b.data)), nil
}

// FormBody returns an application/x-www-form-urlencoded body encoded exactly
// like the query string by [EncodeQuery]: when sent, the request's
// UseQuerystring decides how repeated names are written.
func FormBody(fields []Param) Body {
	return &formBody{fields: fields}
}

// formContentType is the Content-Type of a FormBody.
const formContentType = "application/x-www-form-urlencoded"

type formBody struct {
	fields []Param
}

func (b *formBody) ContentType() string { return formContentType }
func (b *formBody) Len() int64          { return int64(len(EncodeQuery(b.fields, false))) }
func (b *formBody) Open() (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader(EncodeQuery(b.fields, false))), nil
}

// encoded returns the form as a raw body for the given query style.
func (b *formBody) encoded(useQuerystring bool) Body {
	return &rawBody{contentType: formContentType, data: []byte(EncodeQuery(b.fields, useQuerystring))}
}

// Part is one field of a multipart/form-data body.
type Part struct {
	// Name is the field name.
	Name string
	// Value is the content of a text field (used when File is nil).
	Value string
	// File, when non-nil, makes the part a file field.
	File *FilePart
}

// FilePart is the file of a multipart file field.
type FilePart struct {
	// FileName is sent as the filename parameter; a non-ASCII name is also
	// sent RFC 5987-encoded as filename*=UTF-8''….
	FileName string
	// ContentType is the part's Content-Type; "" guesses it from the file
	// name's extension (mime.TypeByExtension), else
	// application/octet-stream.
	ContentType string
	// Size is the length of the file in bytes, or -1 when unknown. A file
	// whose reader yields a different length fails the send.
	Size int64
	// Open returns the file's content; it is called once per send (again
	// when a 307/308 redirect re-sends the body).
	Open func() (io.ReadCloser, error)
}

// BytesFile returns a file part holding data in memory.
func BytesFile(name string, data []byte) *FilePart {
	return &FilePart{
		FileName: name,
		Size:     int64(len(data)),
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		},
	}
}

// MultipartBody returns a multipart/form-data body that streams its parts,
// opening file parts only when they are reached. Its length is known when
// every file part has a known Size. The boundary is chosen once per body
// and always travels in the body's Content-Type.
func MultipartBody(parts []Part) Body {
	var rnd [12]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never returns an error
	return newMultipart(parts, "------------------------reqflow"+hex.EncodeToString(rnd[:]))
}

type multipartBody struct {
	boundary string
	parts    []Part
	heads    [][]byte // the delimiter and headers of each part
	length   int64
}

func newMultipart(parts []Part, boundary string) *multipartBody {
	m := &multipartBody{boundary: boundary, parts: parts, heads: make([][]byte, len(parts))}
	for i, p := range parts {
		var h bytes.Buffer
		h.WriteString("--")
		h.WriteString(boundary)
		h.WriteString("\r\nContent-Disposition: form-data; name=\"")
		h.WriteString(escapeDisposition(p.Name))
		h.WriteString("\"")
		if p.File != nil {
			h.WriteString("; filename=\"")
			h.WriteString(escapeDisposition(p.File.FileName))
			h.WriteString("\"")
			if !isASCII(p.File.FileName) && utf8.ValidString(p.File.FileName) {
				h.WriteString("; filename*=UTF-8''")
				h.WriteString(rfc5987(p.File.FileName))
			}
			h.WriteString("\r\nContent-Type: ")
			h.WriteString(sanitizeHeaderValue(partContentType(p.File)))
		}
		h.WriteString("\r\n\r\n")
		m.heads[i] = h.Bytes()
	}
	m.length = m.computeLen()
	return m
}

func (m *multipartBody) computeLen() int64 {
	var n int64
	for i, p := range m.parts {
		n += int64(len(m.heads[i])) + 2
		if p.File == nil {
			n += int64(len(p.Value))
			continue
		}
		if p.File.Size < 0 {
			return -1
		}
		n += p.File.Size
	}
	return n + int64(len(m.boundary)) + 6
}

func (m *multipartBody) ContentType() string {
	return "multipart/form-data; boundary=" + m.boundary
}

func (m *multipartBody) Len() int64 { return m.length }

func (m *multipartBody) Open() (io.ReadCloser, error) {
	mr := &multipartReader{}
	for i, p := range m.parts {
		mr.readers = append(mr.readers, bytes.NewReader(m.heads[i]))
		if p.File == nil {
			mr.readers = append(mr.readers, strings.NewReader(p.Value))
		} else {
			mr.readers = append(mr.readers, &lazyFile{part: p, owner: mr})
		}
		mr.readers = append(mr.readers, strings.NewReader("\r\n"))
	}
	mr.readers = append(mr.readers, strings.NewReader("--"+m.boundary+"--\r\n"))
	return mr, nil
}

// multipartReader concatenates the pieces of a multipart body and closes
// any file it opened.
type multipartReader struct {
	readers []io.Reader
	open    io.Closer
	err     error
}

func (r *multipartReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for len(r.readers) > 0 {
		n, err := r.readers[0].Read(p)
		if err == io.EOF {
			r.readers = r.readers[1:]
			err = nil
			if n == 0 {
				continue
			}
		}
		if err != nil {
			r.err = err
		}
		return n, err
	}
	r.err = io.EOF
	return 0, io.EOF
}

func (r *multipartReader) Close() error {
	r.err = errors.New("multipart body closed")
	if r.open != nil {
		err := r.open.Close()
		r.open = nil
		return err
	}
	return nil
}

// lazyFile opens a file part on first read and checks its length.
type lazyFile struct {
	part  Part
	owner *multipartReader
	rc    io.ReadCloser
	n     int64
}

func (f *lazyFile) Read(p []byte) (int, error) {
	if f.rc == nil {
		if f.part.File.Open == nil {
			return 0, fmt.Errorf("opening file part %q: no Open function", f.part.Name)
		}
		rc, err := f.part.File.Open()
		if err != nil {
			return 0, fmt.Errorf("opening file part %q: %w", f.part.Name, err)
		}
		f.rc = rc
		f.owner.open = rc
	}
	size := f.part.File.Size
	if size >= 0 && int64(len(p)) > size-f.n+1 {
		p = p[:size-f.n+1] // read one byte more than expected to detect a longer file
	}
	n, err := f.rc.Read(p)
	f.n += int64(n)
	if size >= 0 && f.n > size {
		return 0, fmt.Errorf("reading file part %q: file is longer than its size %d", f.part.Name, size)
	}
	if err == io.EOF {
		cerr := f.rc.Close()
		f.owner.open = nil
		if size >= 0 && f.n != size {
			return n, fmt.Errorf("reading file part %q: got %d bytes, want %d", f.part.Name, f.n, size)
		}
		if cerr != nil {
			return n, fmt.Errorf("closing file part %q: %w", f.part.Name, cerr)
		}
		return n, io.EOF
	}
	if err != nil {
		return n, fmt.Errorf("reading file part %q: %w", f.part.Name, err)
	}
	return n, nil
}

func partContentType(f *FilePart) string {
	if f.ContentType != "" {
		return f.ContentType
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(f.FileName))); t != "" {
		return t
	}
	return "application/octet-stream"
}

// escapeDisposition escapes a Content-Disposition quoted value as browsers
// do (WHATWG HTML): '"' as %22, CR as %0D, LF as %0A.
func escapeDisposition(s string) string {
	if !strings.ContainsAny(s, "\"\r\n") {
		return s
	}
	return strings.NewReplacer("\"", "%22", "\r", "%0D", "\n", "%0A").Replace(s)
}

// sanitizeHeaderValue replaces control characters that would break the
// header block.
func sanitizeHeaderValue(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// rfc5987 percent-encodes s as an RFC 5987 ext-value (attr-char kept).
func rfc5987(s string) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexdig[c>>4])
		b.WriteByte(hexdig[c&15])
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
