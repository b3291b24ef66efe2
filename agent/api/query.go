package api

import (
	"net/url"
	"slices"
	"strconv"
)

// Limits of GET /v1/predictions.
const (
	DefaultLimit = 100   // records when limit is not given
	MaxLimit     = 10000 // the most one request returns
)

// checkQuery refuses query parameters the route does not take, repeated
// ones and a malformed query string.
func checkQuery(rawQuery string, rt *route) error {
	if rt.anyQuery || rawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return BadRequest("bad query string: %v", err)
	}
	for k, vs := range q {
		if !slices.Contains(rt.query, k) {
			if len(rt.query) == 0 {
				return BadRequest("unknown query parameter %q: %s takes none", k, rt.pattern)
			}
			return BadRequest("unknown query parameter %q (%s takes %v)", k, rt.pattern, rt.query)
		}
		if len(vs) > 1 {
			return BadRequest("query parameter %q given %d times", k, len(vs))
		}
	}
	return nil
}

// predictionsQuery is the query of GET /v1/predictions and its stream.
type predictionsQuery struct {
	since    uint64
	sinceSet bool
	limit    int
}

// parsePredictionsQuery parses since_seq (an unsigned integer, default 0)
// and limit (1..MaxLimit, default DefaultLimit).
func parsePredictionsQuery(rawQuery string) (predictionsQuery, error) {
	pq := predictionsQuery{limit: DefaultLimit}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return pq, BadRequest("bad query string: %v", err)
	}
	if q.Has("since_seq") {
		v := q.Get("since_seq")
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return pq, BadRequest("since_seq %q: want an unsigned integer", v)
		}
		pq.since, pq.sinceSet = n, true
	}
	if q.Has("limit") {
		v := q.Get("limit")
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return pq, BadRequest("limit %q: want an integer from 1 to %d", v, MaxLimit)
		}
		pq.limit = n
	}
	return pq, nil
}
