package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/edge-agent/edge-agent/agent"
	"github.com/edge-agent/edge-agent/agent/config"
	"github.com/edge-agent/edge-agent/configs"
	"github.com/edge-agent/edge-agent/internal/cliutil"
)

// afterBoot is agent.Options.AfterBoot: nil, except in the self-update
// test's crash-looping build (crashtest.go, build tag edgeagent_crashtest).
var afterBoot func()

// defaultConfig is where the packaged agent reads its configuration.
const defaultConfig = "/etc/edge-agent/config.yaml"

func cmdRun(args []string, stdout io.Writer) error {
	fs := helpFlagSet("run", "run [--config PATH | --demo] [--set key.path=value ...] [--check]", stdout)
	path := fs.String("config", defaultConfig, "the YAML configuration")
	demo := fs.Bool("demo", false, "run the embedded demo configuration (configs/demo.yaml) instead of --config")
	var sets cliutil.Strings
	fs.Var(&sets, "set", "override one key, e.g. --set mqtt.broker=tcp://10.0.0.5:1883 (repeatable; lists comma-separated)")
	check := fs.Bool("check", false, "check the configuration and exit: 0 when it is valid")
	fast := fs.Bool("fast-sensors", false, "simulated and file sensors emit without waiting (benchmarks)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	o := agent.Options{ConfigPath: *path, Sets: sets, Version: version, FastSensors: *fast, AfterBoot: afterBoot}
	if *demo {
		o.ConfigPath, o.ConfigData = "demo.yaml (embedded)", configs.Demo()
	}
	if *check {
		var err error
		if o.ConfigData != nil {
			_, err = config.Parse(o.ConfigData, o.ConfigPath, sets)
		} else {
			_, err = config.Load(o.ConfigPath, sets)
		}
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s: configuration is valid\n", o.ConfigPath)
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default: // a reload is already pending
			}
		}
	}()
	o.Reload = reload
	return agent.Run(ctx, o)
}
