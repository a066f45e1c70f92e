package parse_test

import (
	"encoding/json"
	"fmt"

	"github.com/reqflow/reqflow/httpclient/parse"
)

// An RSS feed parsed into Make's shape: every child element is an array of
// its occurrences, so {{1.data.rss.channel[].item[].title[]}} is "First".
func ExampleBody_rss() {
	feed := `<rss version="2.0"><channel>
	  <item><title>First</title><guid isPermaLink="false">1</guid></item>
	  <item><title>Second</title></item>
	</channel></rss>`
	data, err := parse.Body("application/rss+xml", []byte(feed), true)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(data)
	fmt.Println(string(out))
	// Output:
	// {"rss":{"_attributes":{"version":"2.0"},"channel":[{"item":[{"guid":[{"_attributes":{"isPermaLink":"false"},"_value":"1"}],"title":["First"]},{"title":["Second"]}]}]}}
}

// Big integers in JSON stay exact, as json.Number.
func ExampleBody_json() {
	data, err := parse.Body("application/json", []byte(`{"id": 12345678901234567890123}`), true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%#v\n", data.(map[string]any)["id"])
	// Output:
	// "12345678901234567890123"
}

// A body that does not parse as its Content-Type says is an *Error.
func ExampleBody_error() {
	_, err := parse.Body("application/json", []byte("<html>Bad Gateway</html>"), true)
	fmt.Println(err)
	// Output:
	// parsing JSON response: invalid character '<' looking for beginning of value at offset 1
}

// Text is decoded from the declared charset to UTF-8.
func ExampleText() {
	s, _ := parse.Text("text/plain; charset=windows-1252", []byte("\x93caf\xe9\x94"))
	fmt.Println(s)
	// Output:
	// “café”
}
