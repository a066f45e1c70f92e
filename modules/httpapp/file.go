package httpapp

import (
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/httpclient"
)

// filePart streams a file value as a multipart file field, from memory or
// from the execution's file store on disk, with its length known.
func filePart(name string, f *bundle.File) *httpclient.FilePart {
	return &httpclient.FilePart{
		FileName:    name,
		ContentType: f.ContentType,
		Size:        f.Len(),
		Open:        f.Open,
	}
}
