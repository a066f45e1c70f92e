package httpapp

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reqflow/reqflow/blueprint"
	"github.com/reqflow/reqflow/bundle"
	"github.com/reqflow/reqflow/engine"
	"github.com/reqflow/reqflow/httpclient"
	"github.com/reqflow/reqflow/internal/testserver"
)

// Peak memory of large transfers. The download and the upload run in a
// child process (this test binary, re-run as TestMemoryChild) so that the
// loopback server, which lives in the parent, does not count; the child
// reports its peak resident set size (VmHWM in /proc/self/status) after the
// download, resets it (clear_refs 5) and reports it again after the upload.

// maxPeakRSS is the peak memory allowed for moving a file of any size.
const maxPeakRSS = 64 << 20

// memoryResult is what the child reports.
type memoryResult struct {
	downloadPeak, uploadPeak int64 // bytes
	download, upload         time.Duration
}

// runMemoryChild downloads size bytes with Get a File and uploads them with
// a raw body to a test server, in a child process.
func runMemoryChild(tb testing.TB, size int64) memoryResult {
	tb.Helper()
	if _, err := os.Stat("/proc/self/status"); err != nil {
		tb.Skip("no /proc/self/status: peak memory is measured on Linux only")
	}
	srv := testserver.NewTest(tb)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMemoryChild$", "-test.v")
	cmd.Env = append(os.Environ(),
		"REQFLOW_MEMORY_CHILD_URL="+srv.URL,
		"REQFLOW_MEMORY_CHILD_SIZE="+strconv.FormatInt(size, 10),
		"REQFLOW_MEMORY_CHILD_DIR="+tb.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child: %v\n%s", err, out)
	}
	var r memoryResult
	found := 0
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		var a, b, da, db int64
		if n, _ := fmt.Sscanf(sc.Text(), "peak download=%d upload=%d time download=%dns upload=%dns", &a, &b, &da, &db); n == 4 {
			r = memoryResult{downloadPeak: a, uploadPeak: b, download: time.Duration(da), upload: time.Duration(db)}
			found++
		}
	}
	if found != 1 {
		tb.Fatalf("child output has no result line:\n%s", out)
	}
	return r
}

// TestMemoryChild is the child of runMemoryChild; it does nothing in a
// normal test run.
func TestMemoryChild(t *testing.T) {
	base := os.Getenv("REQFLOW_MEMORY_CHILD_URL")
	if base == "" {
		t.Skip("run by the peak memory tests only")
	}
	size, _ := strconv.ParseInt(os.Getenv("REQFLOW_MEMORY_CHILD_SIZE"), 10, 64)
	reg := engine.NewRegistry()
	if err := Register(reg, httpclient.New()); err != nil {
		t.Fatal(err)
	}
	// A probe module between the download and the upload takes the
	// download's peak and resets it for the upload.
	var downloadPeak int64
	reg.MustRegister(&engine.Spec{ID: "test:Probe", New: func(*blueprint.Module) (engine.Module, error) {
		return engine.ModuleFunc(func(context.Context, *engine.Op) ([]bundle.Bundle, error) {
			downloadPeak = peakRSS(t)
			resetPeak(t)
			return []bundle.Bundle{{}}, nil
		}), nil
	}})
	src := flow(
		getFileModule(1, `"handleErrors": true`, fmt.Sprintf(`"url": "{{var.input.base}}/reqflow/file/big.bin?size=%d"`, size)),
		`{"id": 3, "module": "test:Probe", "mapper": {}}`,
		v3(2, `"handleErrors": true`, `"url": "{{var.input.base}}/reqflow/upload", "method": "put", "bodyType": "raw", "contentType": "custom", "customContentType": "application/octet-stream", "data": "{{1.data}}", "parseResponse": true`),
	)
	bp, err := blueprint.Decode([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := engine.Load(reg, bp, engine.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x, err := sc.Run(context.Background(), engine.RunOptions{
		Inputs:  map[string]any{"base": base},
		TempDir: os.Getenv("REQFLOW_MEMORY_CHILD_DIR"),
	})
	if err != nil || x.Err != nil {
		t.Fatalf("run: %v %v", err, x.Err)
	}
	uploadPeak := peakRSS(t)
	ops := map[int]*engine.Operation{}
	for _, m := range x.Modules {
		ops[m.ID] = m.Operations[0]
	}
	file := ops[1].Outputs[0]["data"].(*bundle.File)
	echo := ops[2].Outputs[0]["data"].(map[string]any)
	if file.Size != size || echo["size"] != jsonNumber(size) || echo["sha256"] != file.SHA256 {
		t.Fatalf("round trip: downloaded %d bytes sha %s; server received %v", file.Size, file.SHA256, echo)
	}
	fmt.Printf("peak download=%d upload=%d time download=%dns upload=%dns\n", downloadPeak, uploadPeak, ops[1].Duration.Nanoseconds(), ops[2].Duration.Nanoseconds())
}

// peakRSS reads the process's peak resident set size (VmHWM).
func peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("parsing %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// resetPeak resets VmHWM to the current resident set size.
func resetPeak(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("resetting the peak RSS: %v", err)
	}
}

// TestLargeFileMemoryStaysFlat moves 256 MiB down and up again; neither
// direction may grow the process beyond maxPeakRSS. (BenchmarkLargeFile
// does the same with 1 GiB.)
func TestLargeFileMemoryStaysFlat(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("moves 512 MiB over loopback; skipped with -short and -race (the race detector's shadow memory would count)")
	}
	t.Parallel()
	r := runMemoryChild(t, 256<<20)
	if r.downloadPeak > maxPeakRSS || r.uploadPeak > maxPeakRSS {
		t.Fatalf("peak RSS: download %d MiB, upload %d MiB; want at most %d MiB", r.downloadPeak>>20, r.uploadPeak>>20, maxPeakRSS>>20)
	}
	t.Logf("peak RSS: download %d MiB, upload %d MiB", r.downloadPeak>>20, r.uploadPeak>>20)
}

// BenchmarkLargeFile downloads 1 GiB with Get a File and uploads it again,
// and reports each direction's peak RSS and throughput; it fails when a peak
// exceeds 64 MiB. Run it once:
//
//	go test ./modules/httpapp -run '^$' -bench LargeFile -benchtime 1x
func BenchmarkLargeFile(b *testing.B) {
	const size = 1 << 30
	for b.Loop() {
		r := runMemoryChild(b, size)
		if r.downloadPeak > maxPeakRSS || r.uploadPeak > maxPeakRSS {
			b.Fatalf("peak RSS: download %d MiB, upload %d MiB; want at most %d MiB", r.downloadPeak>>20, r.uploadPeak>>20, maxPeakRSS>>20)
		}
		b.ReportMetric(float64(r.downloadPeak)/(1<<20), "download-peak-MiB")
		b.ReportMetric(float64(r.uploadPeak)/(1<<20), "upload-peak-MiB")
		b.ReportMetric(float64(size)/(1<<20)/r.download.Seconds(), "download-MiB/s")
		b.ReportMetric(float64(size)/(1<<20)/r.upload.Seconds(), "upload-MiB/s")
	}
}
