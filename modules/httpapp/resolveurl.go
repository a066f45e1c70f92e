package httpapp

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

func resolveURLSpec(d *deps) *engine.Spec {
	return &engine.Spec{
		ID:       "http:ActionResolveTargetURL",
		Versions: []int{3},
		Label:    "Resolve a target URL",
		Description: "Follows the redirects of a URL (at most 10) without reading any body and outputs " +
			"{url, statusCode, redirects: [{url, statusCode}]}. A server that rejects HEAD (405, 501) is asked again with GET.",
		Mapper: []engine.Field{
			{Name: "url", Label: "URL", Type: engine.Text, Required: true, Description: "The URL to resolve, e.g. a short link."},
			{Name: "method", Label: "Method", Type: engine.Select, Default: "head", Options: []string{"head", "get"}},
			{Name: "serializeUrl", Label: "Serialize URL", Type: engine.Boolean, Default: false},
			{Name: "shareCookies", Label: "Share cookies with other HTTP modules", Type: engine.Boolean, Default: false},
			{Name: "timeout", Label: "Timeout", Type: engine.Integer, Default: DefaultTimeoutSeconds, Description: "Seconds, 1–300, per request."},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			static := engine.NewFields(staticFields(m.Mapper))
			static.OneOf("method", "head", "head", "get")
			static.Int("timeout", DefaultTimeoutSeconds, 1, 300)
			if err := static.Err(); err != nil {
				return nil, fmt.Errorf("mapper: %w", err)
			}
			return &resolveURL{client: d.client}, nil
		},
	}
}

// staticFields returns the mapper fields that hold no formula.
func staticFields(mapper map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range mapper {
		if s, ok := v.(string); ok && strings.Contains(s, "{{") {
			continue
		}
		out[k] = v
	}
	return out
}

// resolveURL is Resolve a Target URL (http:ActionResolveTargetURL).
type resolveURL struct {
	client *httpclient.Client
}

// Run follows one URL's redirect chain.
func (r *resolveURL) Run(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	req := &httpclient.Request{
		URL:            strings.TrimSpace(f.Text("url")),
		SerializeURL:   f.Bool("serializeUrl", false),
		Method:         strings.ToUpper(f.OneOf("method", "head", "head", "get")),
		Timeout:        time.Duration(f.Int("timeout", DefaultTimeoutSeconds, 1, 300)) * time.Second,
		FollowRedirect: true,
	}
	checkURL(f, req)
	if err := f.Err(); err != nil {
		return nil, &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
	}
	if f.Bool("shareCookies", false) {
		req.Jar = op.Execution.CookieJar()
	}
	sr, err := r.open(ctx, req)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodHead && (sr.StatusCode == http.StatusMethodNotAllowed || sr.StatusCode == http.StatusNotImplemented) {
		get := *req
		get.Method = http.MethodGet
		if sr, err = r.open(ctx, &get); err != nil {
			return nil, err
		}
	}
	recordHeaders(ctx, sr.HeaderOrder)
	hops := make([]any, len(sr.Redirects))
	for i, h := range sr.Redirects {
		hops[i] = map[string]any{"url": h.URL, "statusCode": h.StatusCode}
	}
	return []bundle.Bundle{{"url": sr.URL, "statusCode": sr.StatusCode, "redirects": hops}}, nil
}

// open sends req and closes the response without reading its body.
func (r *resolveURL) open(ctx context.Context, req *httpclient.Request) (*httpclient.StreamResponse, error) {
	sr, err := r.client.Open(ctx, req)
	if err != nil {
		return nil, clientError(err)
	}
	_ = sr.Body.Close()
	return sr, nil
}

var _ engine.Module = (*resolveURL)(nil)
