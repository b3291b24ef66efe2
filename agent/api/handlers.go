package api

import (
	"encoding/json"
	"net/http"
)

// getStatus is GET /v1/status.
func (s *Server) getStatus(w http.ResponseWriter, r *http.Request, _ vars) error {
	return writeJSON(w, s.opts.Backend.Status(r.Context()))
}

// getHardware is GET /v1/hardware: the probe profile as the backend has it.
func (s *Server) getHardware(w http.ResponseWriter, r *http.Request, _ vars) error {
	doc, err := s.opts.Backend.Hardware(r.Context())
	if err != nil {
		return err
	}
	if !json.Valid(doc) {
		return Errorf(http.StatusInternalServerError, CodeInternal, "the hardware profile is not valid JSON")
	}
	return writeRawJSON(w, doc)
}

// getModels is GET /v1/models: a JSON array of Model.
func (s *Server) getModels(w http.ResponseWriter, _ *http.Request, _ vars) error {
	ms := s.opts.Backend.Models()
	if ms == nil {
		ms = []Model{}
	}
	return writeJSON(w, ms)
}

// getBuffer is GET /v1/buffer.
func (s *Server) getBuffer(w http.ResponseWriter, _ *http.Request, _ vars) error {
	return writeJSON(w, s.opts.Backend.Buffer())
}

// getMetrics is GET /metrics, the Prometheus text exposition.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request, _ vars) error {
	if s.opts.Metrics == nil {
		return NotFound("metrics are not enabled on this agent")
	}
	s.opts.Metrics.ServeHTTP(w, r)
	return nil
}
