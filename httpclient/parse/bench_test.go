package parse_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/reqflow/reqflow/httpclient/parse"
)

// docSize is the size of the benchmark documents.
const docSize = 100 << 10

// benchJSON returns a JSON array of records of about docSize bytes.
func benchJSON() []byte {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < docSize; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":%d,"name":"Customer %d","email":"c%d@example.com","active":%t,"balance":%d.25,"tags":["a","b"],"address":{"city":"Zürich","zip":"80%02d"}}`,
			12345678901234+i, i, i, i%2 == 0, i*7, i%100)
	}
	sb.WriteString("]")
	return []byte(sb.String())
}

// benchXML returns an RSS feed of about docSize bytes.
func benchXML() []byte {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench</title>`)
	for i := 0; sb.Len() < docSize; i++ {
		fmt.Fprintf(&sb, `<item><title>Item %d</title><link>https://news.example/%d</link><guid isPermaLink="false">id-%d</guid><description><![CDATA[<p>Story %d</p>]]></description></item>`,
			i, i, i, i)
	}
	sb.WriteString(`</channel></rss>`)
	return []byte(sb.String())
}

func BenchmarkJSON100KB(b *testing.B) {
	doc := benchJSON()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse.Body("application/json", doc, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXML100KB(b *testing.B) {
	doc := benchXML()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parse.Body("application/xml", doc, true); err != nil {
			b.Fatal(err)
		}
	}
}
