package testserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

// multipartBody is a hand-written multipart body: a text field, a text file,
// a file with an RFC 2231 non-ASCII name, a binary part and a part with no
// Content-Disposition name.
const multipartBody = "--XyZ\r\n" +
	"Content-Disposition: form-data; name=\"greeting\"\r\n" +
	"\r\n" +
	"hello world\r\n" +
	"--XyZ\r\n" +
	"Content-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n" +
	"Content-Type: text/plain\r\n" +
	"\r\n" +
	"abc\r\n" +
	"--XyZ\r\n" +
	"Content-Disposition: form-data; name=\"doc\"; filename=\"naive.txt\"; filename*=UTF-8''na%C3%AFve.txt\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"\r\n" +
	"na\xc3\xafve\r\n" +
	"--XyZ\r\n" +
	"Content-Disposition: form-data; name=\"blob\"; filename=\"dir/x.bin\"\r\n" +
	"Content-Type: application/octet-stream\r\n" +
	"\r\n" +
	"\x00\xff\xfe\r\n" +
	"--XyZ\r\n" +
	"Content-Disposition: form-data; name=\"empty\"\r\n" +
	"\r\n" +
	"\r\n" +
	"--XyZ--\r\n"

func TestMultipartEcho(t *testing.T) {
	t.Parallel()
	s, c := setup(t)
	resp, body := do(t, c, http.MethodPost, s.URL+Prefix+"/multipart", "multipart/form-data; boundary=XyZ", []byte(multipartBody))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200; body %s", resp.StatusCode, body)
	}
	want := MultipartEcho{
		ContentType: "multipart/form-data; boundary=XyZ",
		Boundary:    "XyZ",
		Parts: []MultipartPart{
			{
				Name: "greeting", ContentDisposition: `form-data; name="greeting"`,
				Size: 11, SHA256: "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", Value: ptr("hello world"),
			},
			{
				Name: "file", FileName: ptr("notes.txt"), ContentDisposition: `form-data; name="file"; filename="notes.txt"`,
				ContentType: "text/plain",
				Size:        3, SHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Value: ptr("abc"),
			},
			{
				Name: "doc", FileName: ptr("naïve.txt"), ContentDisposition: `form-data; name="doc"; filename="naive.txt"; filename*=UTF-8''na%C3%AFve.txt`,
				ContentType: "text/plain; charset=utf-8",
				Size:        6, SHA256: "f86fd89de87a848a45bfe77708d91a5d2ff48b8e4a4b98af5165af82692f8928", Value: ptr("naïve"),
			},
			{
				Name: "blob", FileName: ptr("dir/x.bin"), ContentDisposition: `form-data; name="blob"; filename="dir/x.bin"`,
				ContentType: "application/octet-stream",
				Size:        3, SHA256: "d590f90f7944340fb253f0c59cb89fd41d4ec255ff246f524f8f7c94f0a233e5",
			},
			{
				Name: "empty", ContentDisposition: `form-data; name="empty"`,
				Size: 0, SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Value: ptr(""),
			},
		},
	}
	var got MultipartEcho
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", "  ")
		wj, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("echo\n got %s\nwant %s", gj, wj)
	}
	// The exact layout of one part, as a client would see it.
	if wantPart := "    {\n      \"name\": \"empty\",\n      \"filename\": null,\n      \"contentDisposition\": \"form-data; name=\\\"empty\\\"\",\n      \"contentType\": \"\",\n      \"size\": 0,\n      \"sha256\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\n      \"value\": \"\"\n    }\n"; !strings.Contains(string(body), wantPart) {
		t.Fatalf("body %s\ndoes not contain\n%s", body, wantPart)
	}
}

func TestMultipartEchoErrors(t *testing.T) {
	t.Parallel()
	s, c := setup(t, WithMaxBodySize(64))
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantError   string
	}{
		{"not multipart", "application/json", "{}", 400, `reading the Content-Type header: "application/json" is not multipart`},
		{"no content type", "", "x", 400, `reading the Content-Type header: mime: no media type`},
		{"no boundary", "multipart/form-data", "x", 400, `reading the Content-Type header: no boundary parameter`},
		{"unterminated part", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc", 400, `reading multipart part 1: unexpected EOF`},
		{"bad disposition", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nabc\r\n--b--\r\n", 400, `reading multipart part 1: Content-Disposition: mime: invalid media parameter`},
		{"too large", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + strings.Repeat("x", 100) + "\r\n--b--\r\n", 413, `reading multipart part 1: http: request body too large`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := do(t, c, http.MethodPost, s.URL+Prefix+"/multipart", tt.contentType, []byte(tt.body))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.wantStatus, body)
			}
			var got errorBody
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decoding %s: %v", body, err)
			}
			if got.Error != tt.wantError || got.Status != tt.wantStatus {
				t.Fatalf("error %q status %d, want %q %d", got.Error, got.Status, tt.wantError, tt.wantStatus)
			}
		})
	}
}

func TestReadMultipartEchoLongAndBinaryValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", MaxEchoedValue+1)
	var b bytes.Buffer
	b.WriteString("--b\r\nContent-Disposition: form-data; name=\"long\"\r\n\r\n" + long + "\r\n")
	b.WriteString("--b\r\nContent-Disposition: form-data; name=\"max\"\r\n\r\n" + long[1:] + "\r\n")
	b.WriteString("--b--\r\n")
	echo, err := ReadMultipartEcho("multipart/form-data; boundary=b", &b)
	if err != nil {
		t.Fatalf("ReadMultipartEcho: %v", err)
	}
	if p := echo.Parts[0]; p.Size != MaxEchoedValue+1 || p.Value != nil {
		t.Fatalf("part over the limit: size %d value %v, want %d and nil", p.Size, p.Value, MaxEchoedValue+1)
	}
	if p := echo.Parts[1]; p.Size != MaxEchoedValue || p.Value == nil || *p.Value != long[1:] {
		t.Fatalf("part at the limit: size %d, value missing or wrong", p.Size)
	}
}
