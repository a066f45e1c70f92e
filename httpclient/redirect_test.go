package httpclient

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"golang.org/x/net/publicsuffix"
)

func TestRedirects(t *testing.T) {
	t.Parallel()
	const ua = "User-Agent: reqflow/test\r\n"
	tests := []struct {
		name      string
		routes    map[string]http.HandlerFunc
		req       func(e *env) *Request
		status    int
		url       string
		hops      []Hop
		requests  []string
		wantOpens int
	}{
		{
			name:   "GET follows a relative 302 and sends Referer",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(302, "final?x=1")},
			req: func(e *env) *Request {
				return &Request{URL: e.url("/start"), FollowRedirect: true, Headers: []Header{{"x-Keep", "1"}},
					Username: "u", Password: "p"}
			},
			status: 200, url: "http://HOST/final?x=1",
			hops: []Hop{{"http://HOST/start", 302}},
			requests: []string{
				"GET /start HTTP/1.1\r\nHost: HOST\r\nx-Keep: 1\r\nAuthorization: Basic dTpw\r\n" + ua + "\r\n",
				"GET /final?x=1 HTTP/1.1\r\nHost: HOST\r\nx-Keep: 1\r\nAuthorization: Basic dTpw\r\n" + ua + "Referer: http://HOST/start\r\n\r\n",
			},
		},
		{
			name:   "POST is not followed with followRedirect only",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(302, "/final")},
			req: func(e *env) *Request {
				return &Request{Method: "post", URL: e.url("/start"), FollowRedirect: true, Body: RawBody("", []byte("b"))}
			},
			status: 302, url: "http://HOST/start",
			requests: []string{"POST /start HTTP/1.1\r\nHost: HOST\r\n" + ua + "Content-Length: 1\r\n\r\nb"},
		},
		{
			name:   "GET is not followed without followRedirect",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(301, "/final")},
			req:    func(e *env) *Request { return &Request{URL: e.url("/start")} },
			status: 301, url: "http://HOST/start",
			requests: []string{"GET /start HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n"},
		},
		{
			name:   "POST with followAllRedirects turns into GET without body on 302",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(302, "/final")},
			req: func(e *env) *Request {
				return &Request{Method: "POST", URL: e.url("/start"), FollowAllRedirects: true,
					Headers: []Header{{"content-type", "text/csv"}, {"X-A", "1"}}, Body: RawBody("text/plain", []byte("a,b"))}
			},
			status: 200, url: "http://HOST/final",
			hops: []Hop{{"http://HOST/start", 302}},
			requests: []string{
				"POST /start HTTP/1.1\r\nHost: HOST\r\ncontent-type: text/csv\r\nX-A: 1\r\n" + ua + "Content-Length: 3\r\n\r\na,b",
				"GET /final HTTP/1.1\r\nHost: HOST\r\nX-A: 1\r\n" + ua + "Referer: http://HOST/start\r\n\r\n",
			},
		},
		{
			name:   "303 turns DELETE into GET",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(303, "/final")},
			req: func(e *env) *Request {
				return &Request{Method: "DELETE", URL: e.url("/start"), FollowAllRedirects: true}
			},
			status: 200, url: "http://HOST/final",
			hops: []Hop{{"http://HOST/start", 303}},
			requests: []string{
				"DELETE /start HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n",
				"GET /final HTTP/1.1\r\nHost: HOST\r\n" + ua + "Referer: http://HOST/start\r\n\r\n",
			},
		},
		{
			name:   "HEAD stays HEAD on 301",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(301, "/final")},
			req:    func(e *env) *Request { return &Request{Method: "head", URL: e.url("/start"), FollowRedirect: true} },
			status: 200, url: "http://HOST/final",
			hops: []Hop{{"http://HOST/start", 301}},
			requests: []string{
				"HEAD /start HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n",
				"HEAD /final HTTP/1.1\r\nHost: HOST\r\n" + ua + "Referer: http://HOST/start\r\n\r\n",
			},
		},
		{
			name:   "OPTIONS follows with followRedirect",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(308, "/final")},
			req:    func(e *env) *Request { return &Request{Method: "options", URL: e.url("/start"), FollowRedirect: true} },
			status: 200, url: "http://HOST/final",
			hops: []Hop{{"http://HOST/start", 308}},
			requests: []string{
				"OPTIONS /start HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n",
				"OPTIONS /final HTTP/1.1\r\nHost: HOST\r\n" + ua + "Referer: http://HOST/start\r\n\r\n",
			},
		},
		{
			name:   "307 keeps method and body, re-opening file parts",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(307, "/final")},
			req: func(e *env) *Request {
				return &Request{Method: "POST", URL: e.url("/start"), FollowAllRedirects: true,
					Body: newMultipart([]Part{{Name: "f", File: countingFile(e, "a.txt", "hi")}}, "B")}
			},
			status: 200, url: "http://HOST/final",
			hops:      []Hop{{"http://HOST/start", 307}},
			wantOpens: 2,
			requests: []string{
				"POST /start HTTP/1.1\r\nHost: HOST\r\nContent-Type: multipart/form-data; boundary=B\r\n" + ua + "Content-Length: 119\r\n\r\n" +
					"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--B--\r\n",
				"POST /final HTTP/1.1\r\nHost: HOST\r\nContent-Type: multipart/form-data; boundary=B\r\n" + ua + "Referer: http://HOST/start\r\nContent-Length: 119\r\n\r\n" +
					"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n--B--\r\n",
			},
		},
		{
			name:   "308 keeps PUT and its body",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(308, "/final")},
			req: func(e *env) *Request {
				return &Request{Method: "PUT", URL: e.url("/start"), FollowAllRedirects: true, Body: RawBody("application/json", []byte("{}"))}
			},
			status: 200, url: "http://HOST/final",
			hops: []Hop{{"http://HOST/start", 308}},
			requests: []string{
				"PUT /start HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\n" + ua + "Content-Length: 2\r\n\r\n{}",
				"PUT /final HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\n" + ua + "Referer: http://HOST/start\r\nContent-Length: 2\r\n\r\n{}",
			},
		},
		{
			name:   "non-ASCII and spaces in Location are encoded",
			routes: map[string]http.HandlerFunc{"/start": redirectTo(302, "/ünï code/%41?x=ä b#top")},
			req:    func(e *env) *Request { return &Request{URL: e.url("/start"), FollowRedirect: true} },
			status: 200, url: "http://HOST/%C3%BCn%C3%AF%20code/%41?x=%C3%A4%20b",
			hops: []Hop{{"http://HOST/start", 302}},
			requests: []string{
				"GET /start HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n",
				"GET /%C3%BCn%C3%AF%20code/%41?x=%C3%A4%20b HTTP/1.1\r\nHost: HOST\r\n" + ua + "Referer: http://HOST/start\r\n\r\n",
			},
		},
		{
			name: "credentials dropped on a hop to another host, kept on the same host",
			routes: map[string]http.HandlerFunc{
				"/start": func(w http.ResponseWriter, r *http.Request) {
					if strings.HasPrefix(r.Host, "a.test") {
						redirectTo(302, "/same")(w, r)
						return
					}
					text(200, "ok")(w, r)
				},
				"/same": func(w http.ResponseWriter, r *http.Request) {
					port := r.Host[strings.LastIndexByte(r.Host, ':'):]
					redirectTo(302, "http://B.test"+port+"/start")(w, r)
				},
			},
			req: func(e *env) *Request {
				return &Request{URL: "http://a.test" + e.host()[strings.LastIndexByte(e.host(), ':'):] + "/start", FollowRedirect: true,
					Username: "user", Password: "s3cret", SensitiveHeaders: []string{"x-api-key"},
					Headers: []Header{{"X-Api-Key", "k"}, {"cookie", "a=1"}, {"Proxy-Authorization", "x"}, {"X-Other", "o"}}}
			},
			status: 200, url: "http://b.test:PORT/start",
			hops: []Hop{{"http://a.test:PORT/start", 302}, {"http://a.test:PORT/same", 302}},
			requests: []string{
				"GET /start HTTP/1.1\r\nHost: a.test:PORT\r\nX-Api-Key: k\r\ncookie: a=1\r\nProxy-Authorization: x\r\nX-Other: o\r\nAuthorization: Basic dXNlcjpzM2NyZXQ=\r\n" + ua + "\r\n",
				"GET /same HTTP/1.1\r\nHost: a.test:PORT\r\nX-Api-Key: k\r\ncookie: a=1\r\nProxy-Authorization: x\r\nX-Other: o\r\nAuthorization: Basic dXNlcjpzM2NyZXQ=\r\n" + ua + "Referer: http://a.test:PORT/start\r\n\r\n",
				"GET /start HTTP/1.1\r\nHost: b.test:PORT\r\nX-Other: o\r\n" + ua + "Referer: http://a.test:PORT/same\r\n\r\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			e.mux.Handle("/", text(200, "done"))
			for p, h := range tt.routes {
				e.mux.Handle(p, h)
			}
			resp := e.do(tt.req(e))
			port := e.host()[strings.LastIndexByte(e.host(), ':')+1:]
			fix := func(s string) string {
				return strings.ReplaceAll(strings.ReplaceAll(s, "HOST", e.host()), "PORT", port)
			}
			equal(t, "status", resp.StatusCode, tt.status)
			equal(t, "url", resp.URL, fix(tt.url))
			var hops []Hop
			for _, h := range tt.hops {
				hops = append(hops, Hop{fix(h.URL), h.StatusCode})
			}
			equalSlice(t, "redirects", resp.Redirects, hops)
			var want []string
			for _, r := range tt.requests {
				want = append(want, strings.ReplaceAll(r, "PORT", port))
			}
			equalSlice(t, "requests", e.requests(), want)
			if tt.wantOpens > 0 {
				equal(t, "opens", e.opens, tt.wantOpens)
			}
		})
	}
}

// countingFile is a file part that counts how often it is opened.
func countingFile(e *env, name, content string) *FilePart {
	return &FilePart{FileName: name, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
		e.mu.Lock()
		e.opens++
		e.mu.Unlock()
		return io.NopCloser(strings.NewReader(content)), nil
	}}
}

func TestRedirectLimits(t *testing.T) {
	t.Parallel()
	t.Run("at most 10 hops", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.mux.HandleFunc("/loop/{n}", func(w http.ResponseWriter, r *http.Request) {
			var n int
			fmt.Sscan(r.PathValue("n"), &n)
			redirectTo(302, fmt.Sprintf("/loop/%d", n+1))(w, r)
		})
		err := e.doErr(&Request{URL: e.url("/loop/0"), FollowRedirect: true, Username: "u", Password: "s3cret"})
		var chain []string
		for i := range 12 {
			chain = append(chain, e.expand(fmt.Sprintf("http://HOST/loop/%d", i)))
		}
		equal(t, "kind", err.Kind, KindRedirect)
		equal(t, "error", err.Error(), e.expand("following redirects from http://HOST/loop/0: stopped after 10 redirects: ")+strings.Join(chain, " -> "))
		equal(t, "requests", len(e.requests()), 11)
	})
	t.Run("loop", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.mux.Handle("/a", redirectTo(302, "/b"))
		e.mux.Handle("/b", redirectTo(301, "/a"))
		err := e.doErr(&Request{URL: e.url("/a"), FollowRedirect: true})
		equal(t, "kind", err.Kind, KindRedirect)
		equal(t, "error", err.Error(), e.expand("following redirects from http://HOST/a: redirect loop: http://HOST/a -> http://HOST/b -> http://HOST/a"))
		equal(t, "requests", len(e.requests()), 2)
	})
	t.Run("unsupported scheme in Location", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.mux.Handle("/a", redirectTo(302, "ftp://example.org/x"))
		err := e.doErr(&Request{URL: e.url("/a"), FollowRedirect: true})
		equal(t, "kind", err.Kind, KindRedirect)
		equal(t, "error", err.Error(), e.expand(`following redirect from http://HOST/a: bad Location "ftp://example.org/x": unsupported scheme "ftp" (want http or https)`))
	})
}

func TestCookies(t *testing.T) {
	t.Parallel()
	routes := func(e *env) {
		e.mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "sid=abc; Path=/; HttpOnly")
			w.Header().Add("Set-Cookie", "lang=de")
			redirectTo(302, "/home")(w, r)
		})
		e.mux.HandleFunc("/home", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Set-Cookie", "theme=dark")
			text(200, "home")(w, r)
		})
	}
	const ua = "User-Agent: reqflow/test\r\n"
	tests := []struct {
		name     string
		jar      bool
		requests []string
	}{
		{
			name: "with a jar cookies from a 302 are sent on",
			jar:  true,
			requests: []string{
				"GET /login HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n",
				"GET /home HTTP/1.1\r\nHost: HOST\r\n" + ua + "Cookie: sid=abc; lang=de\r\nReferer: http://HOST/login\r\n\r\n",
				"GET /home HTTP/1.1\r\nHost: HOST\r\nCookie: x=1; sid=abc; lang=de; theme=dark\r\n" + ua + "\r\n",
			},
		},
		{
			name: "without a jar no cookie is sent",
			requests: []string{
				"GET /login HTTP/1.1\r\nHost: HOST\r\n" + ua + "\r\n",
				"GET /home HTTP/1.1\r\nHost: HOST\r\n" + ua + "Referer: http://HOST/login\r\n\r\n",
				"GET /home HTTP/1.1\r\nHost: HOST\r\nCookie: x=1\r\n" + ua + "\r\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			routes(e)
			var jar http.CookieJar
			if tt.jar {
				j, err := cookiejar.New(&cookiejar.Options{PublicSuffixList: publicsuffix.List})
				if err != nil {
					t.Fatal(err)
				}
				jar = j
			}
			resp := e.do(&Request{URL: e.url("/login"), FollowRedirect: true, Jar: jar})
			equal(t, "status", resp.StatusCode, 200)
			equalSlice(t, "set-cookies", resp.SetCookies, []string{"sid=abc; Path=/; HttpOnly", "lang=de", "theme=dark"})
			e.do(&Request{URL: e.url("/home"), Jar: jar, Headers: []Header{{"Cookie", "x=1"}}})
			equalSlice(t, "requests", e.requests(), tt.requests)
		})
	}
}
