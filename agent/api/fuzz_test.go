package api

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseProcStatus: any /proc/PID/status content parses or fails with
// an error, never panics, and a parse keeps every group it read.
func FuzzParseProcStatus(f *testing.F) {
	f.Add([]byte(realStatus))
	f.Add([]byte("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"))
	f.Add([]byte("Uid:\nGid:\nGroups:\n"))
	f.Add([]byte("Groups:\t1 2 3\nUid:\t5\t6\nGid:\t7\t8\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseProcStatus(data)
		if err == nil && st.groups == nil {
			t.Errorf("parsed without error but groups is nil")
		}
	})
}

// FuzzDecodeSamples: any body of any accepted media type decodes to
// samples with exactly one of Values, Raw or Image set, or to an *Error.
func FuzzDecodeSamples(f *testing.F) {
	for _, seed := range []struct{ mt, body string }{
		{"application/json", `{"samples":[{"ts":"2025-06-01T08:30:00Z","values":[21.5,40]},{"values":[22,41.25]}]}`},
		{"", `{"samples":[{"values":[1e39]}]}`},
		{"application/octet-stream", "\x00\x00\x80\x3f"},
		{"image/png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82"},
		{"image/bmp", "BM"},
		{"image/jpeg", "\xff\xd8\xff"},
		{"text/csv", "1,2"},
	} {
		f.Add(seed.mt, []byte(seed.body))
	}
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, mt string, body []byte) {
		samples, err := decodeSamples(mt, body, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 {
				t.Fatalf("error %v is not a 4xx *Error", err)
			}
			return
		}
		if len(samples) == 0 {
			t.Fatalf("no samples and no error")
		}
		for i, s := range samples {
			set := 0
			if s.Values != nil {
				set++
			}
			if s.Raw != nil {
				set++
			}
			if s.Image != nil {
				set++
			}
			if set != 1 || s.TS.IsZero() {
				t.Fatalf("sample %d: %d of Values/Raw/Image set, ts %v", i, set, s.TS)
			}
		}
	})
}

// FuzzDecodeInfer: any body decodes to a request with exactly one kind of
// input, or to a 4xx *Error.
func FuzzDecodeInfer(f *testing.F) {
	f.Add("application/json", []byte(`{"inputs":[[1,2,3]]}`))
	f.Add("application/json", []byte(`{"raw_inputs":["AACAPw=="]}`))
	f.Add("application/json", []byte(`{"inputs":[[1]],"raw_inputs":["AAAA"]}`))
	f.Add("application/octet-stream", []byte{0, 0, 128, 63})
	f.Add("", []byte(`{"inputs":[[1,2]`))
	f.Fuzz(func(t *testing.T, mt string, body []byte) {
		req, err := decodeInfer(mt, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 {
				t.Fatalf("error %v is not a 4xx *Error", err)
			}
			return
		}
		if (len(req.Inputs) > 0) == (len(req.RawInputs) > 0) {
			t.Fatalf("request %+v has not exactly one kind of input", req)
		}
	})
}

// FuzzPredictionsQuery: any query string parses to a limit within bounds,
// or to a 400.
func FuzzPredictionsQuery(f *testing.F) {
	for _, q := range []string{"", "since_seq=10&limit=5", "limit=10000", "limit=0", "since_seq=-1", "since_seq=18446744073709551615", "a=%zz"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		pq, err := parsePredictionsQuery(q)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
			return
		}
		if pq.limit < 1 || pq.limit > MaxLimit {
			t.Fatalf("limit %d out of 1..%d", pq.limit, MaxLimit)
		}
	})
}
