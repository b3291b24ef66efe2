//go:build edgeagent_crashtest

package main

import (
	"fmt"
	"os"
)

// The self-update test's crash-looping build: `go build -tags
// edgeagent_crashtest` makes an agent that exits with status 3 right after
// its self-update boot check, as a new binary that crashes at start would.
// Release builds never include this file.
func init() {
	afterBoot = func() {
		fmt.Fprintln(os.Stderr, "edge-agent: crashtest build: exiting after the boot check")
		os.Exit(3)
	}
}
