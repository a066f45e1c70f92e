package engine

import "strings"

// Redacted replaces a secret wherever reqflow prints values.
const Redacted = "[redacted]"

// secretFields are mapper fields whose values are never printed.
var secretFields = map[string]bool{
	"authPass": true, "password": true, "clientSecret": true, "apiKey": true,
}

// secretHeaders are header names whose values are never printed.
var secretHeaders = map[string]bool{
	"authorization": true, "proxy-authorization": true, "cookie": true,
	"x-api-key": true, "api-key": true, "apikey": true, "x-auth-token": true,
}

// IsSecretHeader reports whether a header's value is a credential.
func IsSecretHeader(name string) bool { return secretHeaders[strings.ToLower(name)] }

// Redact returns a copy of an evaluated mapper with secrets replaced:
// password fields, and the values of credential headers in
// [{name, value}] lists.
func Redact(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		switch {
		case secretFields[k]:
			if s, ok := v.(string); ok && s == "" {
				out[k] = v
			} else if v != nil {
				out[k] = Redacted
			} else {
				out[k] = v
			}
		case k == "headers":
			out[k] = redactHeaders(v)
		default:
			out[k] = v
		}
	}
	return out
}

func redactHeaders(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(list))
	for i, item := range list {
		h, ok := item.(map[string]any)
		if !ok {
			out[i] = item
			continue
		}
		name, _ := h["name"].(string)
		if !IsSecretHeader(name) {
			out[i] = h
			continue
		}
		c := make(map[string]any, len(h))
		for k, e := range h {
			c[k] = e
		}
		c["value"] = Redacted
		out[i] = c
	}
	return out
}
