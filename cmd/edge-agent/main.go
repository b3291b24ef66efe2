// Command edge-agent is the edge inference daemon and its offline tools.
//
//	edge-agent version [--json]
//	edge-agent probe [--json] [--root DIR] [--nvidia-smi] [--require EXPR]
//	edge-agent model inspect MODEL [--json]
//	edge-agent model run MODEL --input FILE [--input FILE ...] --output-dir DIR
//	edge-agent model bench MODEL [--runs N] [--threads N] [--profile] [--json]
//	edge-agent demo [--duration D] [--interval D] [--json]
//
// Every command prints help with --help, exits 0 on success and otherwise
// prints one line on stderr and exits non-zero (2 for usage errors).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/edge-agent/edge-agent/agent"
	"github.com/edge-agent/edge-agent/internal/cliutil"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "run the agent daemon (--config PATH; systemd's ExecStart)", cmdRun},
		{"version", "print the version", cmdVersion},
		{"probe", "print the hardware profile: CPU, memory, board, thermal, GPUs, NPUs", cmdProbe},
		{"model", "inspect, run and benchmark TFLite models (inspect, run, bench)", cmdModel},
		{"demo", "run the built-in demo pipeline: simulated sensor -> demo model -> predictions", cmdDemo},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exit(c.run(args[1:], stdout), stderr)
		}
	}
	fmt.Fprintf(stderr, "edge-agent: unknown command %q (see edge-agent --help)\n", args[0])
	return 2
}

func exit(err error, stderr io.Writer) int {
	if errors.Is(err, agent.ErrRestart) {
		fmt.Fprintf(stderr, "edge-agent: %v: exit %d for the supervisor to start it\n", err, agent.ExitRestart)
		return agent.ExitRestart
	}
	return cliutil.Exit("edge-agent", err, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "edge-agent: the edge inference agent and its offline tools")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: edge-agent COMMAND [ARGS]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'edge-agent COMMAND --help' for a command's options.")
}

// helpFlagSet returns a flag set whose --help prints summary and the flags.
func helpFlagSet(name, summary string, stdout io.Writer) *flag.FlagSet {
	return cliutil.HelpFlagSet("edge-agent", name, summary, stdout)
}

// parse parses args and prints help when asked.
func parse(fs *flag.FlagSet, args []string) ([]string, error) { return cliutil.ParseHelp(fs, args) }
