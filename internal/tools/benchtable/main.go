// Command benchtable runs `edge-agent model bench --json` once per model and
// thread count, each in its own process so that peak RSS is the model's own,
// and prints a Markdown table. `make bench` calls it.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type result struct {
	Model          string  `json:"model"`
	Threads        int     `json:"threads"`
	Runs           int     `json:"runs"`
	LoadMs         float64 `json:"load_ms"`
	FirstInference float64 `json:"first_inference_ms"`
	Latency        struct {
		Min, Median, P99 float64
	} `json:"latency_ms"`
	GMACsPerSecond float64 `json:"gmacs_per_second"`
	MACs           int64   `json:"macs"`
	PeakRSSBytes   int64   `json:"peak_rss_bytes"`
	RSSBytes       int64   `json:"rss_bytes"`
	AnonBytes      int64   `json:"anon_bytes"`
}

func main() {
	bin := flag.String("bin", "bin/edge-agent", "edge-agent binary")
	models := flag.String("models", "../shared/models", "folder of .tflite models")
	runs := flag.Int("runs", 50, "timed runs per measurement")
	threads := flag.String("threads", "1,2", "comma-separated thread counts")
	flag.Parse()

	files, err := filepath.Glob(filepath.Join(*models, "*.tflite"))
	if err != nil || len(files) == 0 {
		fmt.Fprintf(os.Stderr, "benchtable: no models in %s\n", *models)
		os.Exit(1)
	}
	sort.Strings(files)
	var counts []int
	for _, s := range strings.Split(*threads, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "benchtable: bad thread count %q\n", s)
			os.Exit(2)
		}
		counts = append(counts, n)
	}
	fmt.Println("| model | threads | median ms | p99 ms | min ms | GMAC/s | MACs | load ms | first ms | RSS MiB | anon MiB | peak RSS MiB |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
	failed := 0
	for _, f := range files {
		for _, th := range counts {
			var out, errb bytes.Buffer
			cmd := exec.Command(*bin, "model", "bench", f, "--json", "--runs", strconv.Itoa(*runs), "--threads", strconv.Itoa(th))
			cmd.Stdout, cmd.Stderr = &out, &errb
			name := strings.TrimSuffix(filepath.Base(f), ".tflite")
			if err := cmd.Run(); err != nil {
				fmt.Printf("| %s | %d | not runnable: %s |||||||||| \n", name, th, strings.TrimSpace(errb.String()))
				failed++
				continue
			}
			var r result
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				fmt.Fprintf(os.Stderr, "benchtable: %s: %v\n", f, err)
				os.Exit(1)
			}
			fmt.Printf("| %s | %d | %.4f | %.4f | %.4f | %.2f | %d | %.1f | %.3f | %.1f | %.1f | %.1f |\n",
				name, th, r.Latency.Median, r.Latency.P99, r.Latency.Min, r.GMACsPerSecond, r.MACs,
				r.LoadMs, r.FirstInference, float64(r.RSSBytes)/(1<<20), float64(r.AnonBytes)/(1<<20), float64(r.PeakRSSBytes)/(1<<20))
		}
	}
	if failed > 0 {
		fmt.Printf("\n%d measurement(s) could not run (see the rows above).\n", failed)
	}
}
