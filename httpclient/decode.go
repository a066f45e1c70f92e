package httpclient

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// AcceptEncoding is the Accept-Encoding header sent when Request.Compressed
// is set.
const AcceptEncoding = "gzip, deflate, br, zstd"

// maxRecord bounds the raw bytes kept while a decoder has not yet produced
// output, so that a body that turns out not to be compressed can be returned
// as received.
const maxRecord = 64 << 10

// newDecoder returns a reader that undoes contentEncoding (a list such as
// "gzip" or "deflate, br") over src, and a function releasing decoder
// resources. Unknown codings leave the body as received.
func newDecoder(src io.Reader, contentEncoding string) (io.Reader, func()) {
	var closers []func()
	codings := strings.Split(contentEncoding, ",")
	r := src
	for i := len(codings) - 1; i >= 0; i-- {
		name := strings.ToLower(strings.TrimSpace(codings[i]))
		var open func(io.Reader) (io.Reader, error)
		switch name {
		case "gzip", "x-gzip":
			open = func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }
		case "deflate":
			open = openDeflate
		case "br":
			open = func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }
		case "zstd":
			open = func(r io.Reader) (io.Reader, error) {
				d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
					zstd.WithDecoderMaxWindow(64<<20))
				if err != nil {
					return nil, err
				}
				closers = append(closers, d.Close)
				return d, nil
			}
		default: // identity, "" or unknown: as received
			continue
		}
		r = &fallbackDecoder{name: name, src: &recorder{r: r, on: true}, open: open}
	}
	return r, func() {
		for _, c := range closers {
			c()
		}
	}
}

// openDeflate handles both zlib-wrapped (RFC 1950, what the RFC means) and
// raw (RFC 1951, what some servers send) deflate.
func openDeflate(r io.Reader) (io.Reader, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	src := io.MultiReader(bytes.NewReader(hdr[:]), r)
	if hdr[0]&0x0f == 8 && (uint16(hdr[0])<<8|uint16(hdr[1]))%31 == 0 {
		return zlib.NewReader(src)
	}
	return flate.NewReader(src), nil
}

// recorder keeps the bytes read through it while on, and remembers the
// error of its source so that source errors are told from decode errors.
type recorder struct {
	r        io.Reader
	on       bool
	buf      []byte
	overflow bool
	err      error
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.on && n > 0 {
		if len(r.buf)+n > maxRecord {
			r.overflow = true
			r.on = false
			r.buf = nil
		} else {
			r.buf = append(r.buf, p[:n]...)
		}
	}
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// fallbackDecoder decodes its source, unless the source turns out not to be
// encoded at all (the decoder fails before producing any output, within the
// first maxRecord bytes): then the body is returned as received.
type fallbackDecoder struct {
	name string
	src  *recorder
	open func(io.Reader) (io.Reader, error)
	dec  io.Reader
	r    io.Reader // decided: decoder or raw replay
	raw  bool
}

func (f *fallbackDecoder) Read(p []byte) (int, error) {
	if f.r != nil {
		n, err := f.r.Read(p)
		return n, f.wrap(err)
	}
	if f.dec == nil {
		d, err := f.open(f.src)
		if err != nil {
			return f.fallback(p, err)
		}
		f.dec = d
	}
	n, err := f.dec.Read(p)
	if n > 0 {
		f.src.on, f.src.buf = false, nil
		f.r = f.dec
		return n, f.wrap(err)
	}
	if err == io.EOF {
		return 0, io.EOF // a valid encoding of an empty body
	}
	if err != nil {
		return f.fallback(p, err)
	}
	return 0, nil
}

// fallback switches to the raw bytes after a decoder failed before any
// output, or reports the failure.
func (f *fallbackDecoder) fallback(p []byte, err error) (int, error) {
	if f.src.err != nil {
		return 0, f.src.err // the source failed, not the decoding
	}
	if f.src.overflow {
		return 0, f.wrap(err)
	}
	f.raw = true
	f.r = io.MultiReader(bytes.NewReader(f.src.buf), f.src)
	f.src.on = false
	return f.r.Read(p)
}

// wrap turns decoder errors into *Error of kind KindBody; source errors and
// io.EOF pass unchanged.
func (f *fallbackDecoder) wrap(err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if f.src.err != nil && (f.raw || errors.Is(err, f.src.err) || err.Error() == f.src.err.Error()) {
		return f.src.err
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if err == io.ErrUnexpectedEOF {
		err = errors.New("truncated data")
	}
	return &Error{Kind: KindBody, Op: "decoding response body", Err: fmt.Errorf("%s: %w", f.name, err)}
}

// capReader fails with a KindBody error once more than max bytes are read.
type capReader struct {
	r    io.Reader
	left int64
	max  int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		for {
			n, err := c.r.Read(one[:])
			if n > 0 {
				return 0, &Error{Kind: KindBody, Op: "reading response body",
					Err: fmt.Errorf("body exceeds the limit of %d bytes", c.max)}
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
