package testserver

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// EncodingNames lists the names /reqflow/encoding/{name} accepts. Each
// serves EncodedBody under the Content-Encoding of the same name, except
// "deflate-raw": a raw DEFLATE stream (RFC 1951, no zlib wrapper) sent as
// "Content-Encoding: deflate", as some servers wrongly do.
func EncodingNames() []string { return []string{"gzip", "deflate", "deflate-raw", "br", "zstd"} }

// Encode compresses body the way /reqflow/encoding/{name} does and returns
// the bytes and the Content-Encoding header value.
func Encode(name string, body []byte) (encoded []byte, contentEncoding string, err error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch name {
	case "gzip":
		w, contentEncoding = gzip.NewWriter(&buf), "gzip"
	case "deflate":
		w, contentEncoding = zlib.NewWriter(&buf), "deflate"
	case "deflate-raw":
		fw, ferr := flate.NewWriter(&buf, flate.DefaultCompression)
		if ferr != nil {
			return nil, "", fmt.Errorf("encoding as %s: %w", name, ferr)
		}
		w, contentEncoding = fw, "deflate"
	case "br":
		w, contentEncoding = brotli.NewWriter(&buf), "br"
	case "zstd":
		zw, zerr := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		if zerr != nil {
			return nil, "", fmt.Errorf("encoding as %s: %w", name, zerr)
		}
		w, contentEncoding = zw, "zstd"
	default:
		return nil, "", fmt.Errorf("encoding %q is not served (want one of gzip, deflate, deflate-raw, br, zstd)", name)
	}
	if _, err := w.Write(body); err != nil {
		return nil, "", fmt.Errorf("encoding as %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("encoding as %s: %w", name, err)
	}
	return buf.Bytes(), contentEncoding, nil
}

func (x *extras) encoding(w http.ResponseWriter, r *http.Request) {
	body, ce, err := Encode(r.PathValue("name"), []byte(EncodedBody))
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	w.Header().Set("Content-Encoding", ce)
	w.Header().Set("Vary", "Accept-Encoding")
	writeBody(w, http.StatusOK, "application/json", body)
}

// Decompression bombs: ?size=N zero bytes, streamed without compressing them
// on each request, so that even MaxBombSize costs the server almost nothing.
const (
	// DefaultBombSize is the decoded size of /reqflow/bomb/{name} without ?size=.
	DefaultBombSize int64 = 1 << 30
	// MaxBombSize is the largest decoded size ?size= accepts.
	MaxBombSize int64 = 16 << 30
)

// BombNames lists the names /reqflow/bomb/{name} accepts.
func BombNames() []string { return []string{"gzip", "deflate", "deflate-raw", "zstd"} }

const bombChunk = 1 << 20 // decoded bytes per repeated DEFLATE chunk

// bombCache holds the DEFLATE chunks every bomb is assembled from.
type bombCache struct {
	once sync.Once
	// first decodes to bombChunk zeros from an empty history; repeat decodes
	// to bombChunk zeros after at least 32 KiB of zeros. Both end byte-aligned
	// with a non-final block, so they can be concatenated.
	first, repeat []byte
	err           error

	mu    sync.Mutex
	tails map[int64][]byte // deflateTail results by decoded size
}

// maxCachedTails bounds the tails a bombCache keeps.
const maxCachedTails = 32

func newBombCache() *bombCache { return &bombCache{tails: map[int64][]byte{}} }

// tail returns deflateTail(n), from the cache when it can.
func (c *bombCache) tail(n int64) ([]byte, error) {
	c.mu.Lock()
	t, ok := c.tails[n]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := deflateTail(n)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tails) >= maxCachedTails {
		clear(c.tails)
	}
	c.tails[n] = t
	return t, nil
}

func (c *bombCache) chunks() (first, repeat []byte, err error) {
	c.once.Do(func() {
		zeros := make([]byte, bombChunk)
		var buf bytes.Buffer
		fw, err := flate.NewWriter(&buf, flate.BestCompression)
		if err != nil {
			c.err = err
			return
		}
		var out [][]byte
		for range 2 {
			if _, err := fw.Write(zeros); err != nil {
				c.err = err
				return
			}
			if err := fw.Flush(); err != nil {
				c.err = err
				return
			}
			out = append(out, bytes.Clone(buf.Bytes()))
			buf.Reset()
		}
		// The second chunk is written with a window full of zeros: it decodes
		// to zeros after any run of at least 32 KiB of zeros, so it can be
		// repeated.
		c.first, c.repeat = out[0], out[1]
	})
	return c.first, c.repeat, c.err
}

// deflateTail returns a complete DEFLATE stream (final block included) that
// decodes to n zeros, n < bombChunk.
func deflateTail(n int64) ([]byte, error) {
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := fw.Write(make([]byte, n)); err != nil {
		return nil, err
	}
	if err := fw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// write writes to w a body that decodes to size zero bytes in the named
// encoding: the body of /reqflow/bomb/{name}?size=size.
func (c *bombCache) write(w io.Writer, name string, size int64) error {
	switch name {
	case "gzip", "deflate", "deflate-raw":
		return c.writeDeflate(w, name, size)
	case "zstd":
		return writeZstdZeros(w, size)
	}
	return fmt.Errorf("bomb encoding %q is not served (want one of gzip, deflate, deflate-raw, zstd)", name)
}

// length returns the number of bytes write produces.
func (c *bombCache) length(name string, size int64) (int64, error) {
	switch name {
	case "gzip", "deflate", "deflate-raw":
		first, repeat, err := c.chunks()
		if err != nil {
			return 0, err
		}
		tail, err := c.tail(size % bombChunk)
		if err != nil {
			return 0, err
		}
		n := int64(len(tail))
		if size >= bombChunk {
			n += int64(len(first)) + (size/bombChunk-1)*int64(len(repeat))
		}
		switch name {
		case "gzip":
			n += 10 + 8
		case "deflate":
			n += 2 + 4
		}
		return n, nil
	case "zstd":
		blocks := (size + zstdBlock - 1) / zstdBlock
		if blocks == 0 {
			return zstdHeaderLen + 3, nil
		}
		return zstdHeaderLen + 4*blocks, nil
	}
	return 0, fmt.Errorf("bomb encoding %q is not served (want one of gzip, deflate, deflate-raw, zstd)", name)
}

func (c *bombCache) writeDeflate(w io.Writer, name string, size int64) error {
	first, repeat, err := c.chunks()
	if err != nil {
		return fmt.Errorf("building the bomb: %w", err)
	}
	tail, err := c.tail(size % bombChunk)
	if err != nil {
		return fmt.Errorf("building the bomb: %w", err)
	}
	switch name {
	case "gzip":
		// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (best compression) OS=255.
		if _, err := w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255}); err != nil {
			return err
		}
	case "deflate":
		// CMF=0x78 (deflate, 32 KiB window), FLG=0xDA (best compression).
		if _, err := w.Write([]byte{0x78, 0xda}); err != nil {
			return err
		}
	}
	if size >= bombChunk {
		if _, err := w.Write(first); err != nil {
			return err
		}
		for i := int64(1); i < size/bombChunk; i++ {
			if _, err := w.Write(repeat); err != nil {
				return err
			}
		}
	}
	if _, err := w.Write(tail); err != nil {
		return err
	}
	switch name {
	case "gzip":
		var trailer [8]byte
		binary.LittleEndian.PutUint32(trailer[:4], crc32Zeros(size))
		binary.LittleEndian.PutUint32(trailer[4:], uint32(size)) // ISIZE is the size modulo 2^32
		_, err = w.Write(trailer[:])
	case "deflate":
		var trailer [4]byte
		binary.BigEndian.PutUint32(trailer[:], adler32Zeros(size))
		_, err = w.Write(trailer[:])
	}
	return err
}

// crc32Zeros returns the IEEE CRC-32 of n zero bytes, in O(log n), by
// raising the "one zero bit" operator over GF(2) to the power 8n (the method
// of zlib's crc32_combine).
func crc32Zeros(n int64) uint32 {
	var odd, even [32]uint32
	odd[0] = crc32.IEEE
	row := uint32(1)
	for i := 1; i < 32; i++ {
		odd[i] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	crc := ^uint32(0)
	for n > 0 {
		gf2Square(&even, &odd) // eight zero bits on the first pass
		if n&1 != 0 {
			crc = gf2Times(&even, crc)
		}
		n >>= 1
		if n == 0 {
			break
		}
		gf2Square(&odd, &even)
		if n&1 != 0 {
			crc = gf2Times(&odd, crc)
		}
		n >>= 1
	}
	return ^crc
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for i := range 32 {
		square[i] = gf2Times(mat, mat[i])
	}
}

// adler32Zeros returns the Adler-32 of n zero bytes: A stays 1 and B grows
// by 1 per byte.
func adler32Zeros(n int64) uint32 {
	const mod = 65521
	return uint32(n%mod)<<16 | 1
}

// zstd frames of zeros made of RLE blocks, one byte of payload per 128 KiB.
const (
	zstdBlock     = 128 << 10
	zstdHeaderLen = 4 + 1 + 1 + 8 // magic, frame header descriptor, window descriptor, content size
)

func writeZstdZeros(w io.Writer, size int64) error {
	hdr := make([]byte, 0, zstdHeaderLen)
	hdr = binary.LittleEndian.AppendUint32(hdr, 0xFD2FB528)
	hdr = append(hdr, 0xC0) // 8-byte Frame_Content_Size, no checksum, not single-segment
	hdr = append(hdr, 7<<3) // window 2^(10+7) = 128 KiB
	hdr = binary.LittleEndian.AppendUint64(hdr, uint64(size))
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if size == 0 {
		_, err := w.Write([]byte{1, 0, 0}) // last, raw, size 0
		return err
	}
	full := rleBlock(zstdBlock, false)
	for left := size; left > 0; left -= zstdBlock {
		blk := full
		if left <= zstdBlock {
			blk = rleBlock(left, true)
		}
		if _, err := w.Write(blk); err != nil {
			return err
		}
	}
	return nil
}

// rleBlock is a zstd block header (3 bytes, little-endian: last flag, type
// 1 = RLE, regenerated size) followed by the repeated byte 0.
func rleBlock(n int64, last bool) []byte {
	h := uint32(n)<<3 | 1<<1
	if last {
		h |= 1
	}
	return []byte{byte(h), byte(h >> 8), byte(h >> 16), 0}
}

// sharedBombs serves BombLength and WriteBomb. It only caches deterministic
// bytes, so sharing it changes no behaviour.
var sharedBombs = newBombCache()

// BombLength returns the Content-Length of /reqflow/bomb/{name}?size=size.
func BombLength(name string, size int64) (int64, error) {
	return sharedBombs.length(name, size)
}

// WriteBomb writes the body of /reqflow/bomb/{name}?size=size to w.
func WriteBomb(w io.Writer, name string, size int64) error {
	return sharedBombs.write(w, name, size)
}

func (x *extras) bomb(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	size := DefaultBombSize
	if v := r.URL.Query().Get("size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > MaxBombSize {
			writeError(w, http.StatusBadRequest, fmt.Errorf("query parameter size: %q is not a number of bytes from 0 to %d", v, MaxBombSize))
			return
		}
		size = n
	}
	n, err := x.bombs.length(name, size)
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	ce := name
	if name == "deflate-raw" {
		ce = "deflate"
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Encoding", ce)
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.Header().Set("X-Decoded-Size", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	// The client hanging up mid-body is its business; nothing to report.
	_ = x.bombs.write(w, name, size)
}
