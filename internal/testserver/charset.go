package testserver

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// charsetSample is one charset /reqflow/charset/{name} serves.
type charsetSample struct {
	// label is the charset name as the response declares it (the IANA
	// preferred MIME name).
	label string
	enc   encoding.Encoding
	// text is the sample, as UTF-8. Every rune of it exists in the charset,
	// and several are encoded differently than in ISO-8859-1.
	text string
}

var charsetSamples = map[string]charsetSample{
	"iso-8859-15":  {"ISO-8859-15", charmap.ISO8859_15, "Grüße aus Köln: 5 € für das Œuvre, ça va?"},
	"windows-1252": {"windows-1252", charmap.Windows1252, "“Smart quotes” – 5 € • café"},
	"shift_jis":    {"Shift_JIS", japanese.ShiftJIS, "こんにちは、世界。日本語のテキストです。ｶﾀｶﾅ"},
	"utf-8":        {"UTF-8", unicode.UTF8, "UTF-8: Grüße, €, 日本語, 🙂"},
}

// CharsetNames lists the names /reqflow/charset/{name} accepts.
func CharsetNames() []string {
	return []string{"iso-8859-15", "windows-1252", "shift_jis", "utf-8"}
}

// CharsetText returns the text /reqflow/charset/{name} encodes, as UTF-8, and
// whether name is known (case-insensitive). A client that decodes the
// response correctly gets exactly this text (plain, with ?declare=header or
// none) or finds it inside the HTML or XML document (?declare=meta, xml).
func CharsetText(name string) (string, bool) {
	s, ok := charsetSamples[strings.ToLower(name)]
	return s.text, ok
}

// CharsetBody returns the exact body and Content-Type of
// /reqflow/charset/{name}?declare={declare}. declare is "header" (the
// default when ""), "meta" (an HTML document with <meta charset>), "xml" (an
// XML declaration with encoding=) or "none" (no declaration at all).
func CharsetBody(name, declare string) (body []byte, contentType string, err error) {
	s, ok := charsetSamples[strings.ToLower(name)]
	if !ok {
		return nil, "", fmt.Errorf("charset %q is not served (want one of %s)", name, strings.Join(CharsetNames(), ", "))
	}
	var doc string
	switch declare {
	case "", "header":
		doc, contentType = s.text, "text/plain; charset="+s.label
	case "meta":
		doc = `<!DOCTYPE html><html><head><meta charset="` + s.label + `"><title>charset</title></head><body><p>` + s.text + "</p></body></html>\n"
		contentType = "text/html"
	case "xml":
		doc = `<?xml version="1.0" encoding="` + s.label + `"?>` + "\n<text>" + s.text + "</text>\n"
		contentType = "application/xml"
	case "none":
		doc, contentType = s.text, "text/plain"
	default:
		return nil, "", fmt.Errorf("query parameter declare: %q is not one of header, meta, xml, none", declare)
	}
	body, err = s.enc.NewEncoder().Bytes([]byte(doc))
	if err != nil {
		return nil, "", fmt.Errorf("encoding the sample as %s: %w", s.label, err)
	}
	return body, contentType, nil
}

func (x *extras) charset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, ok := charsetSamples[strings.ToLower(name)]; !ok {
		writeError(w, http.StatusNotFound, fmt.Errorf("charset %q is not served (want one of %s)", name, strings.Join(CharsetNames(), ", ")))
		return
	}
	body, ct, err := CharsetBody(name, r.URL.Query().Get("declare"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	writeBody(w, http.StatusOK, ct, body)
}
