// Package fetch downloads an update bundle over HTTP(S) into a file, for
// `ota.apply` commands that name a URL instead of carrying the bundle.
//
// A download resumes where an earlier, interrupted one stopped (an HTTP
// Range request from the partial file's size), is bounded by a size cap
// and timeouts, and succeeds only when the file has exactly the announced
// size and sha256. The bundle's own signature is checked afterwards by the
// verifier: the hash here only stops a wrong or endless download early.
package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Options bound a download.
type Options struct {
	// Client makes the requests; nil uses a client with sane transport
	// timeouts (no overall timeout: Attempt bounds each request).
	Client *http.Client
	// MaxBytes refuses a download announced or growing beyond it.
	MaxBytes int64
	// Attempts is how many requests may be made, each resuming the last
	// (default 5).
	Attempts int
	// Attempt bounds one request (default 10 minutes); Stall aborts a
	// request that receives nothing for this long (default 1 minute).
	Attempt, Stall time.Duration
	// Progress, when set, is called with the bytes held so far and the
	// total after each chunk (rate-limit it yourself).
	Progress func(have, total int64)
}

// Target names what to download.
type Target struct {
	URL    string
	SHA256 string // hex, required
	Size   int64  // bytes, required
}

// ErrMismatch is wrapped when the downloaded bytes are not the announced
// ones (size or sha256); the partial file is removed then.
var ErrMismatch = errors.New("download does not match its announced size and sha256")

// Fetch downloads t into path, resuming from path's current size when it
// exists (a previous interrupted call). On success path holds exactly
// t.Size bytes whose sha256 is t.SHA256.
func Fetch(ctx context.Context, t Target, path string, o Options) error {
	if err := t.check(o.MaxBytes); err != nil {
		return err
	}
	if o.Attempts <= 0 {
		o.Attempts = 5
	}
	if o.Attempt <= 0 {
		o.Attempt = 10 * time.Minute
	}
	if o.Stall <= 0 {
		o.Stall = time.Minute
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, TLSHandshakeTimeout: 30 * time.Second,
			ResponseHeaderTimeout: time.Minute, IdleConnTimeout: time.Minute,
		}}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", t.URL, err)
	}
	defer f.Close()
	var lastErr error
	for attempt := 0; attempt < o.Attempts; attempt++ {
		have, err := f.Seek(0, io.SeekEnd)
		if err != nil {
			return fmt.Errorf("fetch %s: %w", t.URL, err)
		}
		if have > t.Size {
			if err := f.Truncate(0); err != nil {
				return fmt.Errorf("fetch %s: %w", t.URL, err)
			}
			continue
		}
		if have < t.Size {
			lastErr = get(ctx, o, t, f, have)
			if ctx.Err() != nil {
				return fmt.Errorf("fetch %s: %w", t.URL, ctx.Err())
			}
			var perm *permanentError
			if errors.As(lastErr, &perm) {
				if errors.Is(perm.err, ErrMismatch) {
					f.Truncate(0)
				}
				return fmt.Errorf("fetch %s: %w", t.URL, perm.err)
			}
			if lastErr != nil {
				continue
			}
		}
		if err := finish(f, t); err != nil {
			f.Truncate(0)
			return fmt.Errorf("fetch %s: %w", t.URL, err)
		}
		return nil
	}
	return fmt.Errorf("fetch %s: gave up after %d attempts: %w", t.URL, o.Attempts, lastErr)
}

func (t Target) check(max int64) error {
	if !strings.HasPrefix(t.URL, "http://") && !strings.HasPrefix(t.URL, "https://") {
		return fmt.Errorf("fetch %q: only http:// and https:// URLs", t.URL)
	}
	if b, err := hex.DecodeString(t.SHA256); err != nil || len(b) != sha256.Size {
		return fmt.Errorf("fetch %s: sha256 %q is not 64 hex digits", t.URL, t.SHA256)
	}
	if t.Size <= 0 {
		return fmt.Errorf("fetch %s: size %d: must be positive", t.URL, t.Size)
	}
	if max > 0 && t.Size > max {
		return fmt.Errorf("fetch %s: %d bytes is over the %d-byte limit", t.URL, t.Size, max)
	}
	return nil
}

// permanentError ends the attempts: retrying cannot help.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

// get requests the bytes from offset have on and appends them to f.
func get(ctx context.Context, o Options, t Target, f *os.File, have int64) error {
	ctx, cancel := context.WithTimeout(ctx, o.Attempt)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return &permanentError{err}
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && have > 0:
		if !strings.HasPrefix(resp.Header.Get("Content-Range"), "bytes "+strconv.FormatInt(have, 10)+"-") {
			return fmt.Errorf("server answered the range from %d with %q", have, resp.Header.Get("Content-Range"))
		}
	case resp.StatusCode == http.StatusOK:
		// No range support (or a fresh start): take it from the beginning.
		if err := f.Truncate(0); err != nil {
			return &permanentError{err}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return &permanentError{err}
		}
		have = 0
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		f.Truncate(0)
		f.Seek(0, io.SeekStart)
		return fmt.Errorf("server refused the range from %d", have)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusGone:
		return &permanentError{fmt.Errorf("server answered %s", resp.Status)}
	default:
		return fmt.Errorf("server answered %s", resp.Status)
	}
	if resp.ContentLength > 0 && have+resp.ContentLength > t.Size {
		return &permanentError{fmt.Errorf("%w: the server sends %d bytes, %d announced", ErrMismatch, have+resp.ContentLength, t.Size)}
	}
	// Copy at most what is still missing, plus one byte to notice more.
	body := &stallReader{r: resp.Body, cancel: cancel, stall: o.Stall}
	buf := make([]byte, 64<<10)
	limit := t.Size - have + 1
	for limit > 0 {
		n, rerr := body.Read(buf[:min(int64(len(buf)), limit)])
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				return &permanentError{fmt.Errorf("write: %w", err)}
			}
			have += int64(n)
			limit -= int64(n)
			if have > t.Size {
				return &permanentError{fmt.Errorf("%w: the server sends more than %d bytes", ErrMismatch, t.Size)}
			}
			if o.Progress != nil {
				o.Progress(have, t.Size)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if err := f.Sync(); err != nil {
		return &permanentError{fmt.Errorf("sync: %w", err)}
	}
	if have < t.Size {
		return fmt.Errorf("connection ended at %d of %d bytes", have, t.Size)
	}
	return nil
}

// stallReader cancels the request when a Read waits longer than stall.
type stallReader struct {
	r      io.Reader
	cancel context.CancelFunc
	stall  time.Duration
}

func (s *stallReader) Read(p []byte) (int, error) {
	t := time.AfterFunc(s.stall, s.cancel)
	defer t.Stop()
	return s.r.Read(p)
}

// finish checks f's size and hash.
func finish(f *os.File, t Target) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != t.Size {
		return fmt.Errorf("%w: %d bytes, %d announced", ErrMismatch, n, t.Size)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, t.SHA256) {
		return fmt.Errorf("%w: sha256 %s, %s announced", ErrMismatch, got, t.SHA256)
	}
	return nil
}
