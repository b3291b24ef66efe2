// Package config loads, checks and describes edge-agent's configuration: the
// YAML file given to `edge-agent run --config PATH`, plus `--set key=value`
// overrides from the command line.
//
// Parse decodes the file strictly (unknown keys are errors), applies the
// overrides, fills in the defaults and validates the result. Every error
// names where the bad value came from (the file and line, or the --set
// argument) and the key path, e.g.
//
//	config.yaml:12: sensors[0].rate: must be > 0
//
// The types mirror the YAML keys one struct per section; their JSON form
// (same keys) is what the config.get command returns.
//
// Relative paths in a config (data_dir, socket.path, model and label
// files, file sensors) are relative to the daemon's working directory; this
// package never touches the files it names.
package config
