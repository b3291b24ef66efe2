package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/edge-agent/edge-agent/agent/api"
	"github.com/edge-agent/edge-agent/agent/client"
	"github.com/edge-agent/edge-agent/internal/cliutil"
)

// cmdModels is `edgectl models`: the served models.
func cmdModels(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var lf localFlags
	fs := helpFlagSet("models", "models [--socket PATH] [--json]", stdout)
	if _, err := parseLocal(fs, &lf, args, "models", 0); err != nil {
		return err
	}
	ctx, cancel := lf.context(ctx)
	defer cancel()
	ms, err := client.New(lf.socket).Models(ctx)
	if err != nil {
		return err
	}
	if lf.json {
		if ms == nil {
			ms = []api.Model{}
		}
		return writeJSON(stdout, ms)
	}
	return printModels(stdout, ms)
}

// printModels writes one table row per model.
func printModels(w io.Writer, ms []api.Model) error {
	if len(ms) == 0 {
		_, err := fmt.Fprintln(w, "no models")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tVERSION\tSHA256\tINPUTS\tOUTPUTS\tARENA\tINSTALLED\tSOURCE")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, m.Version, clip(m.SHA256, 12), tensors(m.Inputs), tensors(m.Outputs),
			sizeHuman(int64(m.ArenaBytes)), installed(m), dash(m.Source))
	}
	return tw.Flush()
}

// installed summarizes a model's installed versions, newest first: "3
// (active, on trial), 2 (previous), 1"; "-" for a model only configured.
func installed(m api.Model) string {
	var parts []string
	for i := len(m.Installed) - 1; i >= 0; i-- {
		v := m.Installed[i]
		var notes []string
		if v.State != "installed" {
			notes = append(notes, v.State)
		}
		if m.Trial != nil && m.Trial.Version == v.Version {
			notes = append(notes, "on trial")
		}
		p := strconv.FormatInt(v.Version, 10)
		if len(notes) > 0 {
			p += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// cmdInfer is `edgectl infer MODEL FILE`: one inference over the socket.
func cmdInfer(ctx context.Context, args []string, stdout, _ io.Writer) error {
	var lf localFlags
	fs := helpFlagSet("infer", "infer MODEL FILE [--raw | --json-input] [--socket PATH] [--json]\n\n"+
		"FILE holds the raw little-endian bytes of the model's input 0 (as `edge-agent model run`\n"+
		"takes them), or, when it ends in .json, an inference request:\n"+
		"{\"inputs\": [[numbers...], ...]} or {\"raw_inputs\": [\"BASE64\", ...]}, one per model input.", stdout)
	raw := fs.Bool("raw", false, "FILE is raw input bytes, whatever its name")
	jsonIn := fs.Bool("json-input", false, "FILE is a JSON inference request, whatever its name")
	pos, err := parseLocal(fs, &lf, args, "infer", 2)
	if err != nil {
		return err
	}
	if *raw && *jsonIn {
		return cliutil.Usagef("--raw and --json-input exclude each other")
	}
	model, file := pos[0], pos[1]
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("infer: %w", err)
	}
	asJSON := *jsonIn || (!*raw && strings.HasSuffix(strings.ToLower(file), ".json"))
	ctx, cancel := lf.context(ctx)
	defer cancel()
	c := client.New(lf.socket)
	var resp api.InferResponse
	if asJSON {
		req, err := decodeInferFile(file, data)
		if err != nil {
			return err
		}
		resp, err = c.Infer(ctx, model, req)
		if err != nil {
			return err
		}
	} else {
		if len(data) == 0 {
			return fmt.Errorf("infer: %s is empty: want the raw bytes of input 0", file)
		}
		resp, err = c.InferRaw(ctx, model, data)
		if err != nil {
			return err
		}
	}
	if lf.json {
		return writeJSON(stdout, resp)
	}
	return printInference(stdout, resp)
}

// decodeInferFile reads a JSON inference request, refusing unknown fields.
func decodeInferFile(name string, data []byte) (api.InferRequest, error) {
	var req api.InferRequest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, fmt.Errorf("infer: %s: not an inference request ({\"inputs\": [[...]]}): %w", name, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, fmt.Errorf("infer: %s: data after the request object", name)
	}
	return req, nil
}

// maxShownValues bounds the values printed per output tensor.
const maxShownValues = 32

// printInference writes the model, latency, top labels and outputs.
func printInference(w io.Writer, r api.InferResponse) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s v%d (sha256 %s)\n", r.Model.Name, r.Model.Version, dash(clip(r.Model.SHA256, 12)))
	fmt.Fprintf(tw, "latency\t%.2f ms\n", float64(r.LatencyUS)/1000)
	if len(r.Top) > 0 {
		top := make([]string, len(r.Top))
		for i, l := range r.Top {
			top[i] = fmt.Sprintf("%s %.3f", l.Label, l.Score)
		}
		fmt.Fprintf(tw, "top\t%s\n", strings.Join(top, ", "))
	}
	for i, o := range r.Outputs {
		vals := make([]string, 0, min(len(o.Values), maxShownValues)+1)
		for j, v := range o.Values {
			if j == maxShownValues {
				vals = append(vals, fmt.Sprintf("... (%d more)", len(o.Values)-j))
				break
			}
			vals = append(vals, strconv.FormatFloat(v, 'g', 6, 64))
		}
		name := ""
		if o.Name != "" {
			name = " " + o.Name
		}
		fmt.Fprintf(tw, "output %d%s\t%s%s: %s\n", i, name, o.Type, shape(o.Shape), strings.Join(vals, " "))
	}
	return tw.Flush()
}
