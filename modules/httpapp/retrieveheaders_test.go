package httpapp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func retrieveModule(id, source int) string {
	return fmt.Sprintf(`{"id": %d, "module": "http:ActionRetrieveHeaders", "version": 3, "parameters": {"module": %d}, "mapper": {}}`, id, source)
}

// orderedServer answers every request with the same raw head (header lines
// in a fixed order) and a body of "ok".
func orderedServer(t *testing.T, lines ...string) (string, func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var seen []string
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					mu.Lock()
					seen = append(seen, req.URL.RequestURI())
					mu.Unlock()
					head := "HTTP/1.1 200 OK\r\n" + strings.Join(lines, "\r\n") + "\r\nContent-Length: 2\r\n\r\nok"
					if _, err := io.WriteString(c, head); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

func TestRetrieveHeadersIteratesInReceivedOrder(t *testing.T) {
	t.Parallel()
	base, seen := orderedServer(t, "Zeta: z", "Set-Cookie: a=1; Path=/", "X-Mixed-Case: M", "Set-Cookie: b=2", "Alpha: a")
	x := run(t, base, flow(
		v3(1, `"handleErrors": false`, `"url": "{{var.input.base}}/source", "method": "get"`),
		retrieveModule(2, 1),
		v3(3, `"handleErrors": false`, `"url": "{{var.input.base}}/each", "method": "get", "qs": [{"name": "n", "value": "{{2.name}}"}, {"name": "v", "value": "{{2.value}}"}]`),
	))
	if x.Err != nil {
		t.Fatal(x.Err)
	}
	var outs []string
	for _, m := range x.Modules {
		if m.ID == 2 {
			for _, b := range m.Operations[0].Outputs {
				outs = append(outs, b["name"].(string)+"="+b["value"].(string))
			}
		}
	}
	want := []string{"zeta=z", "set-cookie=a=1; Path=/", "x-mixed-case=M", "set-cookie=b=2", "alpha=a", "content-length=2"}
	if strings.Join(outs, "\n") != strings.Join(want, "\n") {
		t.Errorf("bundles:\n%s\nwant:\n%s", strings.Join(outs, "\n"), strings.Join(want, "\n"))
	}
	wantSeen := []string{"/source", "/each?n=zeta&v=z", "/each?n=set-cookie&v=a%3D1%3B%20Path%3D%2F", "/each?n=x-mixed-case&v=M",
		"/each?n=set-cookie&v=b%3D2", "/each?n=alpha&v=a", "/each?n=content-length&v=2"}
	if got := strings.Join(seen(), "\n"); got != strings.Join(wantSeen, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(wantSeen, "\n"))
	}
}

// An iterator after an iterator fans out again: module 3 runs once per
// bundle of module 2, and module 4 once per bundle of module 3.
func TestRetrieveHeadersNestedFanOut(t *testing.T) {
	t.Parallel()
	base, seen := orderedServer(t, "A: 1", "B: 2")
	x := run(t, base, flow(
		v3(1, `"handleErrors": false`, `"url": "{{var.input.base}}/source", "method": "get"`),
		retrieveModule(2, 1),
		retrieveModule(3, 1),
		v3(4, `"handleErrors": false`, `"url": "{{var.input.base}}/pair/{{2.name}}/{{3.name}}", "method": "get"`),
	))
	if x.Err != nil {
		t.Fatal(x.Err)
	}
	want := []string{"/source"}
	for _, a := range []string{"a", "b", "content-length"} {
		for _, b := range []string{"a", "b", "content-length"} {
			want = append(want, "/pair/"+a+"/"+b)
		}
	}
	if got := strings.Join(seen(), "\n"); got != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestRetrieveHeadersErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
	}{
		{"no module parameter", flow(`{"id": 2, "module": "http:ActionRetrieveHeaders", "version": 3, "parameters": {}, "mapper": {}}`),
			`parameters: field "module": the source module's id is required`},
		{"module is not a number", flow(`{"id": 2, "module": "http:ActionRetrieveHeaders", "version": 3, "parameters": {"module": "x"}, "mapper": {}}`),
			`field "module"`},
		{"its own id", flow(retrieveModule(2, 2)), `parameters: field "module": a module cannot retrieve its own headers`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tryRun("http://127.0.0.1:1", tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("source has not run", func(t *testing.T) {
		t.Parallel()
		x := run(t, "http://127.0.0.1:1", flow(retrieveModule(2, 1)))
		want := `parameters: field "module": module 1 has not received an HTTP response in this execution`
		if x.Err == nil || x.Err.Type != "DataError" || x.Err.Message != want {
			t.Fatalf("error = %+v, want DataError %q", x.Err, want)
		}
	})
}
