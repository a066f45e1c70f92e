package httpapp

import (
	"bytes"
	"io"
	"os"

	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/httpclient"
)

// filePart streams a file value as a multipart file field.
func filePart(name string, f *bundle.File) *httpclient.FilePart {
	return &httpclient.FilePart{
		FileName:    name,
		ContentType: f.ContentType,
		Size:        f.Size,
		Open: func() (io.ReadCloser, error) {
			if f.Path != "" {
				return os.Open(f.Path)
			}
			return io.NopCloser(bytes.NewReader(f.Data)), nil
		},
	}
}
