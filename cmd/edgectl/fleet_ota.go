package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/edge-agent/edge-agent/internal/cliutil"
	"github.com/edge-agent/edge-agent/sync/fleet"
)

// maxInline is the largest bundle sent inside the command; larger ones
// need --serve.
const maxInline = 4 << 20

// fleetOTA sends a signed bundle to devices with ota.apply: inline
// (base64) when small, or served over HTTP by edgectl itself with --serve.
func fleetOTA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := helpFlagSet("fleet ota", "fleet ota TARGET BUNDLE [--serve HOST:PORT [--url-host HOST]] [--wait D] [--json]\n\n"+
		"Sends BUNDLE (made by edgectl ota sign) to TARGET with ota.apply and prints each\n"+
		"device's outcome, and its progress reports on stderr as they come (download,\n"+
		"verify, install, activate; JSON lines with --json). Bundles up to 4 MiB travel\n"+
		"inside the command; larger ones need --serve, which serves the file over HTTP\n"+
		"(with Range, so devices resume) until the answers are in. Exits 1 when a device\n"+
		"refuses or does not answer.", stdout)
	var bf brokerFlags
	bf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the devices' outcomes")
	serve := fs.String("serve", "", "serve the bundle over HTTP on this address and send its URL")
	urlHost := fs.String("url-host", "", "host name devices reach the --serve address by (default: its host)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return cliutil.Usagef("fleet ota needs TARGET and BUNDLE")
	}
	if _, err := fleet.ParseTarget(pos[0]); err != nil {
		return cliutil.Usagef("%v", err)
	}
	data, err := os.ReadFile(pos[1])
	if err != nil {
		return fmt.Errorf("fleet ota: %w", err)
	}
	sum := sha256.Sum256(data)
	var cmdArgs []byte
	if *serve == "" {
		if len(data) > maxInline {
			return fmt.Errorf("fleet ota: %s is %d bytes, over the %d sent inline: use --serve", pos[1], len(data), maxInline)
		}
		cmdArgs, err = json.Marshal(map[string]any{"bundle": data})
	} else {
		ln, lerr := net.Listen("tcp", *serve)
		if lerr != nil {
			return fmt.Errorf("fleet ota: --serve: %w", lerr)
		}
		host, port, _ := net.SplitHostPort(ln.Addr().String())
		if *urlHost != "" {
			host = *urlHost
		}
		name := filepath.Base(pos[1])
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/"+name {
				http.NotFound(w, r)
				return
			}
			http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
		})}
		go srv.Serve(ln)
		defer srv.Close()
		url := "http://" + net.JoinHostPort(host, port) + "/" + name
		if !*asJSON {
			fmt.Fprintf(stdout, "serving %s at %s\n", pos[1], url)
		}
		cmdArgs, err = json.Marshal(map[string]any{"url": url, "sha256": hex.EncodeToString(sum[:]), "size": len(data)})
	}
	if err != nil {
		return err
	}
	c := bf.console(stderr)
	res, err := c.SendWithProgress(ctx, pos[0], "ota.apply", cmdArgs, *wait, progressPrinter(stderr, *asJSON))
	if err != nil && !(errors.Is(err, context.Canceled) && res.ID != "") {
		return fmt.Errorf("fleet ota: %w", err)
	}
	if *asJSON {
		if err := writeJSON(stdout, cmdOutput{Result: res, OK: res.OK()}); err != nil {
			return err
		}
	} else {
		printResult(stdout, res)
	}
	return resultError(res)
}
