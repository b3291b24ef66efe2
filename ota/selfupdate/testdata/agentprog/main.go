// Command agentprog stands in for the agent in the selfupdate tests: it
// calls Boot first, prints what it is, and then either exits 1 (a build
// made to crash-loop, -X main.crash=1) or calls MarkHealthy.
//
// Exit codes: 0 healthy, 1 crash, 2 usage, 3 rolled back, 4 Boot error,
// 5 MarkHealthy error.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/edge-agent/edge-agent/ota/selfupdate"
)

// version and crash are set with -ldflags "-X main.version=... -X main.crash=1".
var (
	version = "dev"
	crash   = ""
)

func main() {
	marker := flag.String("marker", "", "boot marker path")
	target := flag.String("target", "", "path of this binary as systemd starts it")
	maxStarts := flag.Int("max-starts", 0, "start limit for Boot")
	flag.Parse()
	if *marker == "" || *target == "" {
		fmt.Fprintln(os.Stderr, "usage: agentprog -marker PATH -target PATH [-max-starts N]")
		os.Exit(2)
	}
	d, err := selfupdate.Boot(*marker, *target, *maxStarts)
	if err != nil {
		fmt.Printf("boot-error %v\n", err)
		os.Exit(4)
	}
	if d.RolledBack {
		fmt.Printf("rolled-back version=%s reason=%s\n", version, d.Reason)
		os.Exit(3)
	}
	fmt.Printf("version=%s trial=%t start=%d\n", version, d.Trial, d.Start)
	if crash != "" {
		os.Exit(1)
	}
	if err := selfupdate.MarkHealthy(*marker); err != nil {
		fmt.Printf("healthy-error %v\n", err)
		os.Exit(5)
	}
}
