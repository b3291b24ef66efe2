package api

import (
	"context"
	"encoding/json"

	"github.com/edge-agent/edge-agent/agent/sensor"
	"github.com/edge-agent/edge-agent/sync/wire"
)

// Backend is what the server serves: the daemon implements it. Methods are
// called concurrently from request goroutines. An error may be an [*Error]
// (possibly wrapped) to choose the HTTP status and code; any other error is
// answered with 500 "internal".
type Backend interface {
	// Status is GET /v1/status.
	Status(ctx context.Context) Status
	// Hardware is GET /v1/hardware: the probe profile as JSON (the same
	// document as `edge-agent probe --json`).
	Hardware(ctx context.Context) (json.RawMessage, error)
	// Models is GET /v1/models.
	Models() []Model
	// Infer runs one inference on a served model. The server has checked
	// that req holds either Inputs or RawInputs, not both; the backend
	// checks them against the model (an unknown model: NotFound; inputs
	// of the wrong count or size: BadRequest).
	Infer(ctx context.Context, model string, req InferRequest) (InferResponse, error)
	// Predictions returns up to limit records with seq > sinceSeq, oldest
	// first, with OldestSeq and LastSeq filled in even when no record
	// qualifies (the server asks Predictions(math.MaxUint64, 1) to learn
	// the last seq).
	Predictions(sinceSeq uint64, limit int) Predictions
	// Subscribe starts a live stream: first the held records with seq >
	// sinceSeq, then each new one. The backend may close ch (e.g. for a
	// consumer too slow to keep up); the stream then ends. cancel releases
	// the subscription and may be called more than once.
	Subscribe(sinceSeq uint64) (ch <-chan wire.Prediction, cancel func())
	// PushSamples hands samples pushed over the socket to a socket sensor
	// and returns how many it accepted.
	PushSamples(ctx context.Context, sensor string, samples []sensor.Sample) (int, error)
	// SensorGroup reports the group whose members may push to a socket
	// sensor ("" = admins only); ok is false when there is no socket
	// sensor of that name.
	SensorGroup(sensor string) (group string, ok bool)
	// Buffer is GET /v1/buffer.
	Buffer() Buffer
}
