package iml

import (
	"fmt"
	"io"

	"github.com/reqflow/reqflow/bundle"
)

// File values. A *bundle.File is a buffer to IML: length, toString, base64,
// toBinary, md5 and sha1/sha256/sha512 work on its bytes. Small files keep
// their bytes in memory; a large one lives on disk in the execution's file
// store and is read from there — streamed by the hash functions, read whole
// by the functions that return its content as text.

// fileBytes returns the bytes of a file value, reading them from disk when
// the file lives there. A file that cannot be read yields no bytes.
func fileBytes(f *bundle.File) []byte {
	b, err := f.Bytes()
	if err != nil {
		return nil
	}
	return b
}

// writeHashed writes the bytes of v to w: a file on disk is streamed.
func writeHashed(w io.Writer, v any) error {
	f, ok := v.(*bundle.File)
	if !ok || f == nil || f.Path == "" {
		_, err := w.Write(bytesOf(v))
		return err
	}
	r, err := f.Open()
	if err != nil {
		return argError(0, "%s", err.Error())
	}
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		return argError(0, "%s", fmt.Errorf("reading file value %q: %w", f.Name, err).Error())
	}
	return nil
}
