package api

import (
	"net/http"
)

// postInfer is POST /v1/models/{name}/infer: a JSON InferRequest, or the
// raw little-endian bytes of input 0 as application/octet-stream.
func (s *Server) postInfer(w http.ResponseWriter, r *http.Request, v vars) error {
	mt, err := mediaType(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	req, err := decodeInfer(mt, body)
	if err != nil {
		return err
	}
	resp, err := s.opts.Backend.Infer(r.Context(), v["name"], req)
	if err != nil {
		return err
	}
	return writeJSON(w, resp)
}

// decodeInfer turns an infer request body of media type mt into an
// InferRequest holding either Inputs or RawInputs.
func decodeInfer(mt string, body []byte) (InferRequest, error) {
	switch mt {
	case "application/octet-stream":
		if len(body) == 0 {
			return InferRequest{}, BadRequest("empty body: want the raw little-endian bytes of input 0")
		}
		return InferRequest{RawInputs: [][]byte{body}}, nil
	case "", "application/json":
		var req InferRequest
		if err := decodeJSON(body, &req); err != nil {
			return InferRequest{}, err
		}
		switch {
		case len(req.Inputs) == 0 && len(req.RawInputs) == 0:
			return InferRequest{}, BadRequest("no inputs: give \"inputs\" (numbers) or \"raw_inputs\" (base64 bytes), one per model input")
		case len(req.Inputs) > 0 && len(req.RawInputs) > 0:
			return InferRequest{}, BadRequest("give \"inputs\" or \"raw_inputs\", not both")
		}
		return req, nil
	}
	return InferRequest{}, Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia, "Content-Type %q: want application/json or application/octet-stream", mt)
}
