// Command edgectl is the operator's and device apps' tool for edge-agent.
//
// This version carries only `edgectl version`; the local socket commands
// (status, hw, models, predictions, infer, buffer), the fleet console (fleet
// ls/cmd/watch/ota) and the OTA key and bundle tools arrive with the agent
// pipeline, sync and OTA work (see the README's roadmap).
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
)

var (
	version = "dev"
	commit  = ""
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(stdout, "edgectl: the operator's and device apps' tool for edge-agent")
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "Usage: edgectl COMMAND [ARGS]")
		fmt.Fprintln(stdout, "  version  print the version")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "version":
		c := commit
		if len(c) > 12 {
			c = c[:12]
		}
		if c == "" {
			c = "unknown"
		}
		fmt.Fprintf(stdout, "edgectl %s (commit %s, %s, %s/%s)\n", version, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	}
	fmt.Fprintf(stderr, "edgectl: unknown command %q (see edgectl --help)\n", args[0])
	return 2
}
