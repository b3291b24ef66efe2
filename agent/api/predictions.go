package api

import (
	"encoding/json"
	"math"
	"net/http"
	"time"

	"github.com/edge-agent/edge-agent/sync/wire"
)

// streamWriteTimeout bounds writing one record of a stream; a reader that
// takes longer is dropped.
const streamWriteTimeout = 30 * time.Second

// getPredictions is GET /v1/predictions?since_seq=&limit=.
func (s *Server) getPredictions(w http.ResponseWriter, r *http.Request, _ vars) error {
	q, err := parsePredictionsQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	p := s.opts.Backend.Predictions(q.since, q.limit)
	if p.Records == nil {
		p.Records = []wire.Prediction{}
	}
	return writeJSON(w, p)
}

// getStream is GET /v1/predictions/stream?since_seq=: newline-delimited
// JSON, one prediction record per line, flushed as each arrives. Without
// since_seq only records made after the request are sent; with it, the
// held records after since_seq come first. It sends no heartbeats (an
// empty line is not NDJSON); it ends when the client goes away, the
// backend closes the subscription, or the server shuts down.
func (s *Server) getStream(w http.ResponseWriter, r *http.Request, _ vars) error {
	q, err := parsePredictionsQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	since := q.since
	if !q.sinceSet {
		since = s.opts.Backend.Predictions(math.MaxUint64, 1).LastSeq
	}
	ch, cancel := s.opts.Backend.Subscribe(since)
	defer cancel()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if err := rc.Flush(); err != nil {
		return nil // the client is gone; nothing more can be sent
	}
	peer, _ := PeerFromContext(r.Context())
	for {
		select {
		case <-r.Context().Done():
			return nil
		case <-s.done:
			return nil
		case rec, ok := <-ch:
			if !ok {
				s.log.Debug("api: prediction stream closed by the backend", "uid", peer.UID, "pid", peer.PID)
				return nil
			}
			b, err := json.Marshal(rec)
			if err != nil {
				s.log.Error("api: encode prediction for the stream", "seq", rec.Seq, "err", err)
				return nil
			}
			_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
			if _, err := w.Write(append(b, '\n')); err != nil {
				return nil
			}
			if err := rc.Flush(); err != nil {
				return nil
			}
		}
	}
}
