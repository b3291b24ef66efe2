// Package cliutil holds the small pieces the edge-agent and edgectl command
// lines share: flag parsing that accepts flags after positional arguments,
// repeatable flags, and usage errors.
package cliutil

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ErrUsage marks errors in how a command was called; main prints them with a
// hint to use --help and exits with status 2.
var ErrUsage = errors.New("usage")

// Usagef returns a usage error.
func Usagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, args...))
}

// Parse parses args with fs, allowing flags and positional arguments in any
// order ("model run MODEL --input x" as well as "--input x MODEL"), and
// returns the positional arguments. "--" ends flag parsing.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, Usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// Strings is a repeatable string flag.
type Strings []string

func (s *Strings) String() string { return strings.Join(*s, ",") }

// Set implements flag.Value.
func (s *Strings) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// PrintDefaults writes fs's flags to w, one per line.
func PrintDefaults(w io.Writer, fs *flag.FlagSet) {
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// Exit maps a command's error to its exit status and prints it as one line
// on stderr: 0 for success and --help, 2 for usage errors, 1 otherwise.
func Exit(prog string, err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		fmt.Fprintf(stderr, "%s: %v (see --help)\n", prog, OneLine(strings.TrimPrefix(err.Error(), "usage: ")))
		return 2
	}
	fmt.Fprintf(stderr, "%s: %v\n", prog, OneLine(err.Error()))
	return 1
}

// OneLine keeps error output to one line, as the CLI contract says.
func OneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// HelpFlagSet returns a flag set whose --help prints "Usage: PROG SUMMARY"
// and the flags on stdout.
func HelpFlagSet(prog, name, summary string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: %s %s\n\n", prog, summary)
		PrintDefaults(stdout, fs)
	}
	return fs
}

// ParseHelp is Parse that also prints the flag set's help when asked.
// The flag package already calls fs.Usage for -h and -help; ParseHelp
// calls it only when that did not happen, so the help prints once.
func ParseHelp(fs *flag.FlagSet, args []string) ([]string, error) {
	usage, printed := fs.Usage, false
	fs.Usage = func() {
		printed = true
		if usage != nil {
			usage()
		}
	}
	defer func() { fs.Usage = usage }()
	pos, err := Parse(fs, args)
	if errors.Is(err, flag.ErrHelp) && !printed && usage != nil {
		usage()
	}
	return pos, err
}
