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
	"github.com/reqflow/reqflow/iml"
)

// Methods are the HTTP methods Make a request offers.
var Methods = []string{"get", "head", "post", "put", "patch", "delete", "options"}

// DefaultTimeoutSeconds is the timeout when the field is empty (Make's 40 s).
const DefaultTimeoutSeconds = int(httpclient.DefaultTimeout / time.Second)

var nameValue = []engine.Field{
	{Name: "name", Label: "Name", Type: engine.Text, Required: true},
	{Name: "value", Label: "Value", Type: engine.Text},
}

// commonMapper lists the fields every v3 request module shares.
var commonMapper = []engine.Field{
	{Name: "url", Label: "URL", Type: engine.Text, Required: true, Description: "The URL to send the request to."},
	{Name: "serializeUrl", Label: "Serialize URL", Type: engine.Boolean, Default: false, Description: "Also percent-encode reserved characters inside mapped path segments."},
	{Name: "method", Label: "Method", Type: engine.Select, Default: "get", Options: Methods},
	{Name: "headers", Label: "Headers", Type: engine.Array, Fields: nameValue, Description: "Sent in this order, names with their exact case. No default Accept header."},
	{Name: "qs", Label: "Query String", Type: engine.Array, Fields: nameValue},
	{Name: "bodyType", Label: "Body type", Type: engine.Select, Options: []string{"", "raw", "x_www_form_urlencoded", "multipart_form_data"}},
	{Name: "contentType", Label: "Content type", Type: engine.Select, Options: []string{"text/plain", "application/json", "application/xml", "text/xml", "text/html", "custom"}},
	{Name: "customContentType", Label: "Value", Type: engine.Text, Description: "The Content-Type when contentType is custom."},
	{Name: "data", Label: "Request content", Type: engine.Buffer, Description: "The raw body, sent byte for byte."},
	{Name: "formFields", Label: "Fields", Type: engine.Array, Fields: []engine.Field{{Name: "key", Type: engine.Text, Required: true}, {Name: "value", Type: engine.Text}}},
	{Name: "formDataFields", Label: "Fields", Type: engine.Array, Fields: []engine.Field{
		{Name: "fieldType", Type: engine.Select, Options: []string{"text", "file"}, Required: true},
		{Name: "key", Type: engine.Text, Required: true},
		{Name: "value", Type: engine.Text},
		{Name: "data", Type: engine.Buffer},
		{Name: "fileName", Type: engine.Text},
	}},
	{Name: "parseResponse", Label: "Parse response", Type: engine.Boolean, Default: false},
	{Name: "timeout", Label: "Timeout", Type: engine.Integer, Default: DefaultTimeoutSeconds, Description: "Seconds, 1–300. Bounds connecting, waiting for the response head and any pause in the body."},
	{Name: "shareCookies", Label: "Share cookies with other HTTP modules", Type: engine.Boolean, Default: false},
	{Name: "ca", Label: "Self-signed certificate", Type: engine.Text, Description: "PEM certificates trusted in addition to the system roots."},
	{Name: "rejectUnauthorized", Label: "Reject connections that are using unverified (self-signed) certificates", Type: engine.Boolean, Default: true},
	{Name: "followRedirect", Label: "Follow redirect", Type: engine.Boolean, Default: true, Description: "Follow 3xx responses for GET, HEAD and OPTIONS."},
	{Name: "followAllRedirects", Label: "Follow all redirect", Type: engine.Boolean, Default: false, Description: "Follow 3xx responses for every method."},
	{Name: "useQuerystring", Label: "Disable serialization of multiple same query string keys as arrays", Type: engine.Boolean, Default: false},
	{Name: "gzip", Label: "Request compressed content", Type: engine.Boolean, Default: true},
	{Name: "useMtls", Label: "Use Mutual TLS", Type: engine.Boolean, Default: false},
}

var handleErrorsParam = engine.Field{
	Name: "handleErrors", Label: "Evaluate all states as errors (except for 2xx and 3xx )", Type: engine.Boolean, Default: false,
	Description: "A status outside 200–399 fails the operation with RuntimeError (RateLimitError for 429).",
}

func makeRequestV3Spec(d *deps) *engine.Spec {
	mapper := append([]engine.Field{}, commonMapper...)
	mapper = append(mapper,
		engine.Field{Name: "authUser", Label: "User name", Type: engine.Text, Description: "Basic auth user name, sent preemptively."},
		engine.Field{Name: "authPass", Label: "Password", Type: engine.Text, Secret: true},
	)
	return &engine.Spec{
		ID:          "http:ActionSendData",
		Versions:    []int{3},
		Label:       "Make a request",
		Description: "Sends an HTTP request and outputs the response.",
		Parameters:  []engine.Field{handleErrorsParam},
		Mapper:      mapper,
		New: func(m *blueprint.Module) (engine.Module, error) {
			p := engine.NewFields(m.Parameters)
			handle := p.Bool("handleErrors", false)
			if err := p.Err(); err != nil {
				return nil, fmt.Errorf("parameters: %w", err)
			}
			if err := checkStatic(m.Mapper); err != nil {
				return nil, err
			}
			if err := checkMTLS(d, m.Mapper, "useMtls"); err != nil {
				return nil, err
			}
			return &makeRequest{d: d, client: d.client, handleErrors: handle}, nil
		},
	}
}

// checkStatic validates mapper fields that hold no formula, so a blueprint
// that cannot run fails before its first request.
func checkStatic(mapper map[string]any) error {
	static := map[string]any{}
	for k, v := range mapper {
		if s, ok := v.(string); ok && strings.Contains(s, "{{") {
			continue
		}
		static[k] = v
	}
	f := engine.NewFields(static)
	f.Int("timeout", DefaultTimeoutSeconds, 1, 300)
	f.OneOf("method", "get", Methods...)
	f.OneOf("bodyType", "", "raw", "x_www_form_urlencoded", "multipart_form_data")
	for _, b := range []string{"serializeUrl", "parseResponse", "shareCookies", "rejectUnauthorized", "followRedirect", "followAllRedirects", "useQuerystring", "gzip", "useMtls"} {
		f.Bool(b, false)
	}
	if err := f.Err(); err != nil {
		return fmt.Errorf("mapper: %w", err)
	}
	return nil
}

// makeRequest is Make a request (http:ActionSendData v3).
type makeRequest struct {
	d            *deps
	client       *httpclient.Client
	handleErrors bool
}

// Run sends one request.
func (mr *makeRequest) Run(ctx context.Context, op *engine.Op) ([]bundle.Bundle, error) {
	f := op.Fields()
	req, parseBody := v3Request(f)
	req.Username, req.Password = f.Text("authUser"), f.Text("authPass")
	mtls := f.Bool("useMtls", false)
	if err := f.Err(); err != nil {
		return nil, &engine.Error{Type: engine.InvalidConfigurationError, Message: err.Error(), Err: err}
	}
	if f.Bool("shareCookies", false) {
		req.Jar = op.Execution.CookieJar()
	}
	if mtls {
		return sendAuthenticated(ctx, mr.d, nil, req, true, mr.handleErrors, parseBody)
	}
	return send(ctx, mr.client, req, mr.handleErrors, parseBody)
}

// v3Request maps the fields every v3 request module shares onto a request.
func v3Request(f *engine.Fields) (*httpclient.Request, bool) {
	req := &httpclient.Request{
		URL:                strings.TrimSpace(f.Text("url")),
		SerializeURL:       f.Bool("serializeUrl", false),
		Method:             strings.ToUpper(f.OneOf("method", "get", Methods...)),
		Headers:            headers(f, "headers", "name", "value"),
		Query:              params(f, "qs", "name", "value"),
		UseQuerystring:     f.Bool("useQuerystring", false),
		Timeout:            time.Duration(f.Int("timeout", DefaultTimeoutSeconds, 1, 300)) * time.Second,
		CA:                 []byte(strings.TrimSpace(f.Text("ca"))),
		InsecureSkipVerify: !f.Bool("rejectUnauthorized", true),
		FollowRedirect:     f.Bool("followRedirect", true),
		FollowAllRedirects: f.Bool("followAllRedirects", false),
		Compressed:         f.Bool("gzip", true),
	}
	if len(req.CA) == 0 {
		req.CA = nil
	}
	checkURL(f, req)
	switch f.OneOf("bodyType", "", "raw", "x_www_form_urlencoded", "multipart_form_data") {
	case "raw":
		ct := f.Text("contentType")
		if ct == "custom" {
			ct = f.Text("customContentType")
		}
		req.Body = rawBody(ct, f.Value("data"))
	case "x_www_form_urlencoded":
		req.Body = httpclient.FormBody(params(f, "formFields", "key", "value"))
	case "multipart_form_data":
		req.Body = httpclient.MultipartBody(multipartParts(f, "formDataFields"))
	}
	return req, f.Bool("parseResponse", false)
}

// send performs the request and builds the output bundle.
func send(ctx context.Context, client *httpclient.Client, req *httpclient.Request, handleErrors, parseBody bool) ([]bundle.Bundle, error) {
	resp, err := client.Do(ctx, req)
	if err != nil {
		return nil, clientError(err)
	}
	recordHeaders(ctx, resp.HeaderOrder)
	if handleErrors && (resp.StatusCode < 200 || resp.StatusCode > 399) {
		return nil, statusError(resp)
	}
	b, err := responseBundle(resp, parseBody)
	if err != nil {
		return nil, err
	}
	return []bundle.Bundle{b}, nil
}

func headers(f *engine.Fields, field, nameKey, valueKey string) []httpclient.Header {
	var out []httpclient.Header
	for i, item := range f.Items(field) {
		name := strings.TrimSpace(iml.ToText(item[nameKey]))
		value := textOf(item[valueKey])
		if name == "" {
			if value != "" {
				f.Fail(fmt.Sprintf("%s[%d].%s", field, i+1, nameKey), "a header needs a name")
			}
			continue
		}
		out = append(out, httpclient.Header{Name: name, Value: value})
	}
	return out
}

func params(f *engine.Fields, field, nameKey, valueKey string) []httpclient.Param {
	var out []httpclient.Param
	for i, item := range f.Items(field) {
		name := iml.ToText(item[nameKey])
		if name == "" {
			if textOf(item[valueKey]) != "" {
				f.Fail(fmt.Sprintf("%s[%d].%s", field, i+1, nameKey), "a field needs a name")
			}
			continue
		}
		// An array value sends the key once per element, as Make does.
		if list, ok := item[valueKey].([]any); ok {
			for _, v := range list {
				out = append(out, httpclient.Param{Name: name, Value: textOf(v)})
			}
			continue
		}
		out = append(out, httpclient.Param{Name: name, Value: textOf(item[valueKey])})
	}
	return out
}

func multipartParts(f *engine.Fields, field string) []httpclient.Part {
	var out []httpclient.Part
	for i, item := range f.Items(field) {
		key := iml.ToText(item["key"])
		where := fmt.Sprintf("%s[%d]", field, i+1)
		if key == "" {
			f.Fail(where+".key", "a field needs a key")
			continue
		}
		switch strings.ToLower(iml.ToText(item["fieldType"])) {
		case "", "text":
			out = append(out, httpclient.Part{Name: key, Value: textOf(item["value"])})
		case "file":
			name := iml.ToText(item["fileName"])
			data := item["data"]
			if file, ok := data.(*bundle.File); ok {
				if name == "" {
					name = file.Name
				}
				out = append(out, httpclient.Part{Name: key, File: filePart(name, file)})
				continue
			}
			if name == "" {
				name = "file"
			}
			out = append(out, httpclient.Part{Name: key, File: httpclient.BytesFile(name, bytesOf(data))})
		default:
			f.Fail(where+".fieldType", fmt.Sprintf("expected text or file, got %q", iml.ToText(item["fieldType"])))
		}
	}
	return out
}

// textOf converts a mapped value to the text sent on the wire.
func textOf(v any) string {
	if v == nil {
		return ""
	}
	return iml.ToText(v)
}

// bytesOf converts a mapped body value to bytes: buffers as they are,
// collections and arrays as JSON, anything else as text.
func bytesOf(v any) []byte {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		return x
	case string:
		return []byte(x)
	case *bundle.File:
		if b, err := x.Bytes(); err == nil {
			return b
		}
		return nil
	case map[string]any, []any:
		b, err := json.Marshal(bundle.ToJSON(x))
		if err == nil {
			return b
		}
	}
	return []byte(iml.ToText(v))
}
