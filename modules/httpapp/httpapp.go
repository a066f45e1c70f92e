// Package httpapp implements the modules of Make's HTTP app: Make a request
// (legacy v3 http:ActionSendData and v4 http:MakeRequest) and, as they are
// added, its authenticated variants, Get a File, Resolve a Target URL and
// Retrieve Headers.
//
// Each module file declares an engine.Spec; Register adds them all to a
// registry. The modules map a blueprint's evaluated mapper onto an
// httpclient.Request and turn the response into Make's output bundle:
//
//	{statusCode, headers, cookieHeaders, data}
//
// where headers is a collection keyed by lower-case header name (repeated
// values joined with ", ", set-cookie kept as an array), cookieHeaders lists
// the raw Set-Cookie values of every response in the redirect chain, and data
// is the body — parsed when "Parse response" is on.
package httpapp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/connections"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/httpclient/parse"
)

// Option configures the HTTP app's modules.
type Option func(*deps)

// deps is what the modules need besides the HTTP client. Each group of
// modules adds its options in its own file.
type deps struct {
	client *httpclient.Client
	files  fileOptions           // Get a File's options, see files.go
	conns  *connections.Resolver // stored connections, see auth.go
}

// Register adds the HTTP app's modules to reg; they send requests with client.
func Register(reg *engine.Registry, client *httpclient.Client, opts ...Option) error {
	d := &deps{client: client}
	for _, o := range opts {
		o(d)
	}
	specs := []*engine.Spec{makeRequestV3Spec(d), makeRequestV4Spec(d)}
	specs = append(specs, authSpecs(d)...)
	specs = append(specs, fileSpecs(d)...)
	specs = recordResults(specs)
	for _, s := range specs {
		if err := reg.Register(s); err != nil {
			return err
		}
	}
	return nil
}

// responseBundle turns a response into Make's output bundle.
func responseBundle(resp *httpclient.Response, parseBody bool) (bundle.Bundle, error) {
	data, err := parse.Body(resp.Header.Get("Content-Type"), resp.Body, parseBody)
	if err != nil {
		return nil, &engine.Error{Type: engine.DataError, Message: err.Error(), StatusCode: resp.StatusCode, Err: err}
	}
	cookies := make([]any, len(resp.SetCookies))
	for i, c := range resp.SetCookies {
		cookies[i] = c
	}
	return bundle.Bundle{
		"statusCode":    resp.StatusCode,
		"headers":       headerCollection(resp.Header),
		"cookieHeaders": cookies,
		"data":          data,
	}, nil
}

// headerCollection keys headers by lower-case name; repeated values are
// joined with ", " except Set-Cookie, which stays an array.
func headerCollection(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for name, values := range h {
		key := strings.ToLower(name)
		if key == "set-cookie" {
			list := make([]any, len(values))
			for i, v := range values {
				list[i] = v
			}
			out[key] = list
			continue
		}
		out[key] = strings.Join(values, ", ")
	}
	return out
}

// statusError is the error of "Evaluate all states as errors" for a status
// outside 200–399.
func statusError(resp *httpclient.Response) *engine.Error {
	e := &engine.Error{Type: engine.RuntimeError, StatusCode: resp.StatusCode}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.Type = engine.RateLimitError
		e.RetryAfter = resp.Header.Get("Retry-After")
	}
	detail := bodyExcerpt(resp)
	if detail == "" {
		detail = http.StatusText(resp.StatusCode)
	}
	e.Message = fmt.Sprintf("[%d] %s", resp.StatusCode, detail)
	return e
}

// maxExcerpt bounds how much of an error body reaches an error message.
const maxExcerpt = 300

func bodyExcerpt(resp *httpclient.Response) string {
	if len(resp.Body) == 0 || !parse.IsText(resp.Header.Get("Content-Type"), resp.Body) {
		return ""
	}
	text, err := parse.Text(resp.Header.Get("Content-Type"), resp.Body)
	if err != nil {
		return ""
	}
	text = strings.Join(strings.Fields(text), " ")
	if len(text) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

// clientError maps an httpclient error onto Make's error types.
func clientError(err error) error {
	var ce *httpclient.Error
	if !errors.As(err, &ce) {
		return err
	}
	t := engine.RuntimeError
	switch ce.Kind {
	case httpclient.KindConnection:
		t = engine.ConnectionError
	case httpclient.KindTimeout:
		t = engine.ModuleTimeoutError
	case httpclient.KindBody, httpclient.KindRequestBody:
		t = engine.DataError
	case httpclient.KindConfig:
		t = engine.InvalidConfigurationError
	}
	return &engine.Error{Type: t, Message: err.Error(), Err: err}
}
