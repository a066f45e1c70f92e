package testserver

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// decoder returns an independent reader for each way of encoding a body.
func decoder(t *testing.T, name string, r io.Reader) io.Reader {
	t.Helper()
	var (
		d   io.Reader
		err error
	)
	switch name {
	case "gzip":
		d, err = gzip.NewReader(r)
	case "deflate":
		d, err = zlib.NewReader(r)
	case "deflate-raw":
		d = flate.NewReader(r)
	case "br":
		d = brotli.NewReader(r)
	case "zstd":
		var zr *zstd.Decoder
		zr, err = zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(1<<20))
		if err == nil {
			t.Cleanup(zr.Close)
		}
		d = zr
	default:
		t.Fatalf("no decoder for %q", name)
	}
	if err != nil {
		t.Fatalf("%s decoder: %v", name, err)
	}
	return d
}

func TestEncodedBodies(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	tests := []struct {
		name     string
		wantCE   string
		wantHead []byte // first bytes of the encoded body: the format's magic
	}{
		{"gzip", "gzip", []byte{0x1f, 0x8b}},
		{"deflate", "deflate", []byte{0x78}},
		{"deflate-raw", "deflate", nil},
		{"br", "br", nil},
		{"zstd", "zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := get(t, c, s.URL+Prefix+"/encoding/"+tt.name)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tt.wantCE {
				t.Fatalf("Content-Encoding %q, want %q", got, tt.wantCE)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Fatalf("Content-Type %q, want application/json", got)
			}
			if !bytes.HasPrefix(body, tt.wantHead) {
				t.Fatalf("body starts % x, want % x", body[:min(4, len(body))], tt.wantHead)
			}
			decoded, err := io.ReadAll(decoder(t, tt.name, bytes.NewReader(body)))
			if err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if string(decoded) != EncodedBody {
				t.Fatalf("decoded\n got %q\nwant %q", decoded, EncodedBody)
			}
		})
	}
}

// TestRawDeflateIsNotZlib checks that deflate-raw really lacks the zlib
// wrapper, which is what makes it a test case.
func TestRawDeflateIsNotZlib(t *testing.T) {
	t.Parallel()
	body, _, err := Encode("deflate-raw", []byte(EncodedBody))
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if _, err := zlib.NewReader(bytes.NewReader(body)); err == nil || err.Error() != "zlib: invalid header" {
		t.Fatalf("zlib reader on raw deflate: err %v, want zlib: invalid header", err)
	}
}

func TestUnknownEncoding(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	tests := []struct{ path, want string }{
		{"/encoding/compress", "{\n  \"error\": \"encoding \\\"compress\\\" is not served (want one of gzip, deflate, deflate-raw, br, zstd)\",\n  \"status\": 404\n}\n"},
		{"/bomb/br", "{\n  \"error\": \"bomb encoding \\\"br\\\" is not served (want one of gzip, deflate, deflate-raw, zstd)\",\n  \"status\": 404\n}\n"},
	}
	for _, tt := range tests {
		resp, body := get(t, c, s.URL+Prefix+tt.path)
		if resp.StatusCode != 404 || string(body) != tt.want {
			t.Fatalf("GET %s: %d %q, want 404 %q", tt.path, resp.StatusCode, body, tt.want)
		}
	}
}

func TestBombDecodesToZeros(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	sizes := []int64{0, 1, bombChunk - 1, bombChunk, 3*bombChunk + 12345, zstdBlock, 2*zstdBlock + 1}
	for _, name := range BombNames() {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				t.Parallel()
				resp, body := get(t, c, s.URL+Prefix+"/bomb/"+name+"?size="+strconv.FormatInt(size, 10))
				if resp.StatusCode != 200 {
					t.Fatalf("status %d, want 200; body %q", resp.StatusCode, body)
				}
				wantLen, err := BombLength(name, size)
				if err != nil {
					t.Fatalf("BombLength: %v", err)
				}
				if int64(len(body)) != wantLen || resp.ContentLength != wantLen {
					t.Fatalf("body %d bytes, Content-Length %d, want %d", len(body), resp.ContentLength, wantLen)
				}
				if got := resp.Header.Get("X-Decoded-Size"); got != strconv.FormatInt(size, 10) {
					t.Fatalf("X-Decoded-Size %q, want %d", got, size)
				}
				n, err := countZeros(decoder(t, name, bytes.NewReader(body)))
				if err != nil {
					t.Fatalf("decoding: %v", err)
				}
				if n != size {
					t.Fatalf("decoded %d zero bytes, want %d", n, size)
				}
			})
		}
	}
}

// TestBombDefaultIsSmall checks the default bomb: 1 GiB decoded from about a
// megabyte (gzip) or less, without decoding it.
func TestBombDefaultIsSmall(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	tests := []struct {
		name   string
		maxLen int64
	}{
		{"gzip", 1100 << 10},
		{"deflate", 1100 << 10},
		{"deflate-raw", 1100 << 10},
		{"zstd", 33 << 10},
	}
	for _, tt := range tests {
		resp, body := do(t, c, "HEAD", s.URL+Prefix+"/bomb/"+tt.name, "", nil)
		if len(body) != 0 || resp.ContentLength <= 0 || resp.ContentLength > tt.maxLen {
			t.Fatalf("HEAD %s: Content-Length %d, body %d bytes, want at most %d and no body", tt.name, resp.ContentLength, len(body), tt.maxLen)
		}
		if got := resp.Header.Get("X-Decoded-Size"); got != "1073741824" {
			t.Fatalf("HEAD %s: X-Decoded-Size %q, want 1073741824", tt.name, got)
		}
	}
}

func TestBombBadSize(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	for _, size := range []string{"-1", "1e9", "17179869185", "lots"} {
		resp, body := get(t, c, s.URL+Prefix+"/bomb/gzip?size="+size)
		want := "{\n  \"error\": \"query parameter size: \\\"" + size + "\\\" is not a number of bytes from 0 to 17179869184\",\n  \"status\": 400\n}\n"
		if resp.StatusCode != 400 || string(body) != want {
			t.Fatalf("size=%s: %d %q, want 400 %q", size, resp.StatusCode, body, want)
		}
	}
}

// countZeros reads r to the end and returns how many bytes it yielded, or an
// error at the first byte that is not zero.
func countZeros(r io.Reader) (int64, error) {
	var n int64
	buf := make([]byte, 64<<10)
	for {
		m, err := r.Read(buf)
		for i, b := range buf[:m] {
			if b != 0 {
				return 0, fmt.Errorf("byte %d is %#x, want 0", n+int64(i), b)
			}
		}
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func TestCRC32Zeros(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, 1, 2, 3, 7, 8, 255, 1000, 65536, 1<<20 + 3} {
		if got, want := crc32Zeros(n), crc32.ChecksumIEEE(make([]byte, n)); got != want {
			t.Errorf("crc32Zeros(%d) = %#08x, want %#08x", n, got, want)
		}
	}
	// Known value, computed once with Python: zlib.crc32 over 1 GiB of zeros.
	if got := crc32Zeros(1 << 30); got != 0x5b64c2b0 {
		t.Errorf("crc32Zeros(1 GiB) = %#08x", got)
	}
}

func TestWriteBombMatchesBombLength(t *testing.T) {
	t.Parallel()
	const size = 2<<20 + 3
	for _, name := range BombNames() {
		var buf bytes.Buffer
		if err := WriteBomb(&buf, name, size); err != nil {
			t.Fatalf("WriteBomb(%s): %v", name, err)
		}
		n, err := BombLength(name, size)
		if err != nil || n != int64(buf.Len()) {
			t.Fatalf("BombLength(%s) = %d, %v; WriteBomb wrote %d", name, n, err, buf.Len())
		}
		got, err := countZeros(decoder(t, name, &buf))
		if err != nil || got != size {
			t.Fatalf("%s decodes to %d zeros (%v), want %d", name, got, err, size)
		}
	}
	if err := WriteBomb(io.Discard, "lzma", 1); err == nil || err.Error() != `bomb encoding "lzma" is not served (want one of gzip, deflate, deflate-raw, zstd)` {
		t.Fatalf("WriteBomb(lzma) error %v", err)
	}
}
