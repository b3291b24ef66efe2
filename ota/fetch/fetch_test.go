package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func payload(n int) ([]byte, Target) {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	sum := sha256.Sum256(b)
	return b, Target{SHA256: hex.EncodeToString(sum[:]), Size: int64(n)}
}

// server serves data with Range support; cutAt > 0 makes the first
// response end after that many bytes (a dropped connection).
type server struct {
	data   []byte
	cutAt  int
	noRang bool
	mu     sync.Mutex
	ranges []string
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.ranges = append(s.ranges, r.Header.Get("Range"))
	first := len(s.ranges) == 1
	s.mu.Unlock()
	if s.noRang {
		r.Header.Del("Range")
	}
	if first && s.cutAt > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(s.data)))
		w.WriteHeader(http.StatusOK)
		w.Write(s.data[:s.cutAt])
		panic(http.ErrAbortHandler) // drop the connection mid-body
	}
	http.ServeContent(w, r, "bundle", time.Time{}, bytes.NewReader(s.data))
}

func (s *server) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ranges...)
}

func TestFetchResumesADroppedDownload(t *testing.T) {
	data, tg := payload(300_000)
	s := &server{data: data, cutAt: 100_000}
	ts := httptest.NewServer(s)
	defer ts.Close()
	tg.URL = ts.URL + "/b.tar"
	path := filepath.Join(t.TempDir(), "b.tar")
	var last int64
	err := Fetch(context.Background(), tg, path, Options{Progress: func(have, total int64) { last = have }})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, data) || last != int64(len(data)) {
		t.Fatalf("downloaded %d bytes (progress %d), want %d", len(got), last, len(data))
	}
	if r := s.seen(); len(r) != 2 || r[0] != "" || r[1] != "bytes=100000-" {
		t.Fatalf("requests' ranges %q, want a fresh one then bytes=100000-", r)
	}
}

func TestFetchResumesAPartialFile(t *testing.T) {
	data, tg := payload(50_000)
	s := &server{data: data}
	ts := httptest.NewServer(s)
	defer ts.Close()
	tg.URL = ts.URL
	path := filepath.Join(t.TempDir(), "b")
	os.WriteFile(path, data[:12_345], 0o640)
	if err := Fetch(context.Background(), tg, path, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
	if r := s.seen(); len(r) != 1 || r[0] != "bytes=12345-" {
		t.Fatalf("ranges %q", r)
	}
	// Already complete: nothing is requested again.
	if err := Fetch(context.Background(), tg, path, Options{}); err != nil || len(s.seen()) != 1 {
		t.Fatalf("second fetch: %v, %d requests", err, len(s.seen()))
	}
}

func TestFetchWithoutRangeSupportStartsOver(t *testing.T) {
	data, tg := payload(40_000)
	s := &server{data: data, noRang: true}
	ts := httptest.NewServer(s)
	defer ts.Close()
	tg.URL = ts.URL
	path := filepath.Join(t.TempDir(), "b")
	os.WriteFile(path, data[:1000], 0o640)
	if err := Fetch(context.Background(), tg, path, Options{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
}

func TestFetchRefusals(t *testing.T) {
	data, tg := payload(10_000)
	good := httptest.NewServer(&server{data: data})
	defer good.Close()
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 4096)
		for i := 0; i < 100_000; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer endless.Close()
	var notFoundHits int
	notFound := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		notFoundHits++
		http.NotFound(w, r)
	}))
	defer notFound.Close()
	stalls := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10000")
		w.WriteHeader(200)
		w.Write(data[:10])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}))
	defer stalls.Close()
	wrongHash := tg
	wrongHash.SHA256 = strings.Repeat("0", 64)
	for _, c := range []struct {
		name string
		t    Target
		url  string
		o    Options
		want string
		is   error
	}{
		{"wrong hash", wrongHash, good.URL, Options{}, "sha256", ErrMismatch},
		{"endless body", tg, endless.URL, Options{}, "more than 10000", ErrMismatch},
		{"over the cap", tg, good.URL, Options{MaxBytes: 9_999}, "over the 9999-byte limit", nil},
		{"not found", tg, notFound.URL, Options{}, "404", nil},
		{"stalled", tg, stalls.URL, Options{Stall: 200 * time.Millisecond, Attempts: 2}, "gave up after 2 attempts", nil},
		{"bad url", tg, "ftp://x", Options{}, "only http", nil},
		{"bad sha", Target{SHA256: "xyz", Size: 1}, good.URL, Options{}, "64 hex digits", nil},
		{"bad size", Target{SHA256: tg.SHA256}, good.URL, Options{}, "must be positive", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.t.URL = c.url
			path := filepath.Join(t.TempDir(), "b")
			err := Fetch(context.Background(), c.t, path, c.o)
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
			if fi, err := os.Stat(path); err == nil && c.is != nil && fi.Size() != 0 {
				t.Fatalf("a mismatched download left %d bytes", fi.Size())
			}
		})
	}
	if notFoundHits != 1 {
		t.Errorf("a 404 was requested %d times; it is final", notFoundHits)
	}
}
