package httpapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
)

// makeRequestV4Spec declares http:MakeRequest version 4, the current HTTP
// app, whose authentication is a parameter.
func makeRequestV4Spec(d *deps) *engine.Spec {
	return &engine.Spec{
		ID:          "http:MakeRequest",
		Versions:    []int{4},
		Label:       "Make a request (v4)",
		Description: "Sends an HTTP request and outputs the response (HTTP app v4).",
		Parameters: []engine.Field{
			{Name: "authenticationType", Label: "Authentication type", Type: engine.Select, Required: true, Options: []string{"noAuth", "apiKey", "basicAuth", "oAuth"}},
			{Name: "tlsType", Label: "Transport layer security", Type: engine.Select, Options: []string{"", "mTls", "tls"}, Description: "mTls presents the instance-wide client certificate (reqflow keys add cert NAME … --mtls)."},
			{Name: "apiKeyKeychain", Label: "Credentials", Type: engine.Text, Description: "The apikey connection id when authenticationType is apiKey."},
			{Name: "basicAuthKeychain", Label: "Credentials", Type: engine.Text, Description: "The basic connection id when authenticationType is basicAuth."},
			{Name: "oAuthAccount", Label: "Connection", Type: engine.Text, Description: "The oauth2 connection id when authenticationType is oAuth."},
		},
		Mapper: []engine.Field{
			{Name: "url", Label: "URL", Type: engine.Text, Required: true},
			{Name: "method", Label: "Method", Type: engine.Select, Default: "get", Options: Methods},
			{Name: "headers", Label: "Headers", Type: engine.Array, Fields: nameValue},
			{Name: "queryParameters", Label: "Query parameters", Type: engine.Array, Fields: nameValue},
			{Name: "contentType", Label: "Body content type", Type: engine.Select, Options: []string{"", "json", "multipart", "urlEncoded", "custom"}},
			{Name: "inputMethod", Label: "Body input method", Type: engine.Select, Options: []string{"jsonString", "dataStructure"}},
			{Name: "jsonStringBodyContent", Label: "Body content", Type: engine.Text},
			{Name: "dataStructureBodyContent", Label: "Body content", Type: engine.Collection},
			{Name: "urlEncodedBodyContent", Label: "Body content", Type: engine.Array, Fields: nameValue},
			{Name: "multipartBodyContent", Label: "Body content", Type: engine.Array, Description: "Items as in v3 formDataFields: {fieldType, key, value | data, fileName}."},
			{Name: "customBodyContentType", Label: "Content type", Type: engine.Text, Description: "The Content-Type of a custom body."},
			{Name: "customBodyContent", Label: "Body content", Type: engine.Buffer},
			{Name: "parseResponse", Label: "Parse response", Type: engine.Boolean, Default: true},
			{Name: "stopOnHttpError", Label: "Return error if HTTP request fails", Type: engine.Boolean, Default: true},
			{Name: "timeout", Label: "Timeout", Type: engine.Integer, Default: DefaultTimeoutSeconds},
			{Name: "allowRedirects", Label: "Allow redirects", Type: engine.Boolean, Default: true},
			{Name: "shareCookies", Label: "Share cookies with other HTTP modules", Type: engine.Boolean, Default: false},
			{Name: "requestCompressedContent", Label: "Request compressed content", Type: engine.Boolean, Default: true},
		},
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			auth := p.OneOf("authenticationType", "noAuth", "noAuth", "apiKey", "basicAuth", "oAuth")
			if err := p.Err(); err != nil {
				return nil, fmt.Errorf("parameters: %w", err)
			}
			if err := checkStatic(m.Mapper); err != nil {
				return nil, err
			}
			cred, mtls, err := v4Credential(d, m.Parameters, auth)
			if err != nil {
				return nil, err
			}
			return &makeRequestV4{d: d, client: d.client, cred: cred, mtls: mtls}, nil
		},
	}
}

// makeRequestV4 is http:MakeRequest version 4.
type makeRequestV4 struct {
	d      *deps
	client *httpclient.Client
	cred   credential // nil for noAuth
	mtls   bool
}

// Run sends one request.
func (mr *makeRequestV4) Run(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	req := &httpclient.Request{
		URL:            strings.TrimSpace(f.Text("url")),
		Method:         strings.ToUpper(f.OneOf("method", "get", Methods...)),
		Headers:        headers(f, "headers", "name", "value"),
		Query:          params(f, "queryParameters", "name", "value"),
		Timeout:        time.Duration(f.Int("timeout", DefaultTimeoutSeconds, 1, 300)) * time.Second,
		FollowRedirect: f.Bool("allowRedirects", true),
		Compressed:     f.Bool("requestCompressedContent", true),
	}
	// v4's "allow redirects" follows them for every method.
	req.FollowAllRedirects = req.FollowRedirect
	checkURL(f, req)
	switch f.OneOf("contentType", "", "json", "multipart", "urlEncoded", "custom") {
	case "json":
		var body []byte
		if f.OneOf("inputMethod", "jsonString", "jsonString", "dataStructure") == "dataStructure" {
			b, err := json.Marshal(bundle.ToJSON(f.Value("dataStructureBodyContent")))
			if err != nil {
				f.Fail("dataStructureBodyContent", err.Error())
			}
			body = b
		} else {
			body = bytesOf(f.Value("jsonStringBodyContent"))
		}
		req.Body = httpclient.RawBody("application/json", body)
	case "urlEncoded":
		req.Body = httpclient.FormBody(params(f, "urlEncodedBodyContent", "name", "value"))
	case "multipart":
		req.Body = httpclient.MultipartBody(multipartParts(f, "multipartBodyContent"))
	case "custom":
		req.Body = rawBody(f.Text("customBodyContentType"), f.Value("customBodyContent"))
	}
	parseBody := f.Bool("parseResponse", true)
	stop := f.Bool("stopOnHttpError", true)
	if err := f.Err(); err != nil {
		return nil, &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
	}
	if f.Bool("shareCookies", false) {
		req.Jar = op.Execution.CookieJar()
	}
	if mr.cred != nil || mr.mtls {
		return sendAuthenticated(ctx, mr.d, mr.cred, req, mr.mtls, stop, parseBody)
	}
	return send(ctx, mr.client, req, stop, parseBody)
}
