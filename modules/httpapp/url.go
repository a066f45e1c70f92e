package httpapp

import (
	"errors"

	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// checkURL records a field error when the request's URL is missing or
// cannot be sent (no scheme, an unsupported scheme, no host), so that the
// error names the "url" field rather than the transport.
func checkURL(f *engine.Fields, req *httpclient.Request) {
	if req.URL == "" {
		f.Fail("url", "a URL is required")
		return
	}
	if _, err := httpclient.BuildURL(req.URL, nil, false, req.SerializeURL); err != nil {
		var ce *httpclient.Error
		if errors.As(err, &ce) && ce.Err != nil {
			err = ce.Err
		}
		f.Fail("url", err.Error())
	}
}
