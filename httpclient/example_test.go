package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/reqflow/reqflow/httpclient"
)

func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method":%q,"query":%q}`, r.Method, r.URL.RawQuery)
	}))
	defer srv.Close()

	c := httpclient.New()
	resp, err := c.Do(context.Background(), &httpclient.Request{
		Method:         "get",
		URL:            srv.URL + "/old",
		Query:          []httpclient.Param{{Name: "tag", Value: "a b"}, {Name: "tag", Value: "c"}},
		FollowRedirect: true,
		Compressed:     true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode, len(resp.Redirects), string(resp.Body))
	// Output: 200 1 {"method":"GET","query":"tag%5B0%5D=a%20b&tag%5B1%5D=c"}
}

func ExampleClient_Open() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "streamed")
	}))
	defer srv.Close()

	sr, err := httpclient.New().Open(context.Background(), &httpclient.Request{URL: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sr.Body.Close()
	n, err := io.Copy(io.Discard, sr.Body)
	fmt.Println(sr.StatusCode, n, err)
	// Output: 200 8 <nil>
}

func ExampleBuildURL() {
	u, err := httpclient.BuildURL("https://bücher.example/a b?x=1",
		[]httpclient.Param{{Name: "foo", Value: "bar"}, {Name: "foo", Value: "baz"}}, false, false)
	fmt.Println(u, err)
	// Output: https://xn--bcher-kva.example/a%20b?x=1&foo%5B0%5D=bar&foo%5B1%5D=baz <nil>
}

func ExampleError() {
	_, err := httpclient.New().Do(context.Background(), &httpclient.Request{URL: "ftp://user:secret@example.com/"})
	var he *httpclient.Error
	if errors.As(err, &he) {
		fmt.Println(he.Kind, "|", he)
	}
	// Output: config | parsing url ftp://example.com/: unsupported scheme "ftp" (want http or https)
}
