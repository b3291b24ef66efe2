package api

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"net/http"
	"time"

	"golang.org/x/image/bmp"

	"github.com/edge-agent/edge-agent/agent/sensor"
)

// MaxImagePixels bounds a pushed image (width × height), so a small
// compressed file cannot ask for a huge decoded one.
const MaxImagePixels = 1 << 24

// postSamples is POST /v1/sensors/{name}/samples.
func (s *Server) postSamples(w http.ResponseWriter, r *http.Request, v vars) error {
	mt, err := mediaType(r)
	if err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	samples, err := decodeSamples(mt, body, time.Now())
	if err != nil {
		return err
	}
	n, err := s.opts.Backend.PushSamples(r.Context(), v["name"], samples)
	if err != nil {
		return err
	}
	return writeJSON(w, SamplesResponse{Accepted: n})
}

// decodeSamples turns a samples body of media type mt into sensor
// samples: a JSON SamplesRequest (samples without "ts" get now), one raw
// tensor (application/octet-stream) or one image (image/png, image/jpeg,
// image/bmp).
func decodeSamples(mt string, body []byte, now time.Time) ([]sensor.Sample, error) {
	switch mt {
	case "", "application/json":
		return decodeSamplesJSON(body, now)
	case "application/octet-stream":
		if len(body) == 0 {
			return nil, BadRequest("empty body: want one raw tensor's little-endian bytes")
		}
		return []sensor.Sample{{TS: now, Raw: body}}, nil
	case "image/png", "image/jpeg", "image/bmp":
		img, err := decodeImage(mt, body)
		if err != nil {
			return nil, err
		}
		return []sensor.Sample{{TS: now, Image: img}}, nil
	}
	return nil, Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedMedia,
		"Content-Type %q: want application/json, application/octet-stream, image/png, image/jpeg or image/bmp", mt)
}

func decodeSamplesJSON(body []byte, now time.Time) ([]sensor.Sample, error) {
	var req SamplesRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	if len(req.Samples) == 0 {
		return nil, BadRequest("no samples: want {\"samples\":[{\"values\":[...]}]}")
	}
	out := make([]sensor.Sample, len(req.Samples))
	for i, ps := range req.Samples {
		if len(ps.Values) == 0 {
			return nil, BadRequest("sample %d has no values", i)
		}
		vals := make([]float32, len(ps.Values))
		for j, v := range ps.Values {
			f := float32(v)
			if math.IsInf(float64(f), 0) {
				return nil, BadRequest("sample %d value %d: %g does not fit a float32", i, j, v)
			}
			vals[j] = f
		}
		ts := now
		if ps.TS != nil {
			if ps.TS.IsZero() {
				return nil, BadRequest("sample %d: ts is the zero time", i)
			}
			ts = *ps.TS
		}
		out[i] = sensor.Sample{TS: ts, Values: vals}
	}
	return out, nil
}

// decodeImage decodes one image of media type mt, refusing one over
// MaxImagePixels before decoding its pixels.
func decodeImage(mt string, body []byte) (image.Image, error) {
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch mt {
	case "image/png":
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case "image/jpeg":
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	default:
		decodeConfig, decode = bmp.DecodeConfig, bmp.Decode
	}
	cfg, err := decodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, BadRequest("%s body: %v", mt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, BadRequest("%s body: empty image (%dx%d)", mt, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, Errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "%s body: %dx%d image is over %d pixels", mt, cfg.Width, cfg.Height, MaxImagePixels)
	}
	img, err := decode(bytes.NewReader(body))
	if err != nil {
		return nil, BadRequest("%s body: %v", mt, err)
	}
	return img, nil
}
