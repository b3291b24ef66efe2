// Command edgectl is the operator's and device apps' tool for edge-agent.
//
//	edgectl version
//	edgectl status [--json]
//	edgectl hw [--json]
//	edgectl models [--json]
//	edgectl predictions [--since N] [--limit N] [--follow [--count N]] [--json]
//	edgectl infer MODEL FILE [--raw | --json-input] [--json]
//	edgectl buffer [--json]
//	edgectl fleet ls [--json] [--wait D]
//	edgectl fleet cmd TARGET NAME [ARGS-JSON | key=value ...] [--wait D] [--json]
//	edgectl fleet watch [--json] [--count N] [--for D]
//	edgectl fleet ota TARGET BUNDLE [--serve HOST:PORT] [--wait D] [--json]
//	edgectl ota keygen --out PREFIX [--force]
//	edgectl ota sign --key PREFIX.key --kind model|agent --name NAME --version N [--variant PATH:REQUIREMENT ...] [--gzip] --out BUNDLE FILE...
//	edgectl ota verify --trust PREFIX.pub [--trust ...] [--installed N] BUNDLE
//
// The local commands (status, hw, models, predictions, infer, buffer) talk
// to the agent on this device over its unix socket (--socket, default
// $EDGE_AGENT_SOCKET or /run/edge-agent/agent.sock); the caller must be
// root or in the socket's group.
//
// The fleet commands talk to the devices through the MQTT broker (--broker,
// default tcp://127.0.0.1:1883; TLS, client certificates and a username
// with a password file as the devices use). TARGET is a device id,
// group:NAME or all.
//
// Every command prints help with --help, exits 0 on success and otherwise
// prints one line on stderr and exits non-zero (2 for usage errors).
//
// The ota commands make signing keys, sign bundles, and check a bundle as
// a device would (ota/README.md describes the format and the threats it
// stops).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/edge-agent/edge-agent/internal/cliutil"
)

var (
	version = "dev"
	commit  = ""
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	cs := []command{{"version", "print the version", cmdVersion}}
	cs = append(cs, localCommands()...)
	cs = append(cs, command{"fleet", "list, command and watch devices over MQTT (ls, cmd, watch)", cmdFleet})
	return append(cs, command{"ota", "make keys, sign and verify update bundles (keygen, sign, verify)", cmdOTA})
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run runs the command line; Ctrl-C (SIGINT) or SIGTERM ends it.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exit(c.run(ctx, args[1:], stdout, stderr), stderr)
		}
	}
	fmt.Fprintf(stderr, "edgectl: unknown command %q (see edgectl --help)\n", args[0])
	return 2
}

func exit(err error, stderr io.Writer) int {
	return cliutil.Exit("edgectl", err, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "edgectl: the operator's and device apps' tool for edge-agent")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: edgectl COMMAND [ARGS]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'edgectl COMMAND --help' for a command's options.")
}

// helpFlagSet returns a flag set whose --help prints summary and the flags.
func helpFlagSet(name, summary string, stdout io.Writer) *flag.FlagSet {
	return cliutil.HelpFlagSet("edgectl", name, summary, stdout)
}

// parse parses args and prints help when asked.
func parse(fs *flag.FlagSet, args []string) ([]string, error) { return cliutil.ParseHelp(fs, args) }

func cmdVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := helpFlagSet("version", "version", stdout)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cliutil.Usagef("version takes no arguments")
	}
	c := commit
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	fmt.Fprintf(stdout, "edgectl %s (commit %s, %s, %s/%s)\n", version, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
