package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edge-agent/edge-agent/internal/cliutil"
	"github.com/edge-agent/edge-agent/ota"
)

// cmdOTA dispatches the ota subcommands: keys and bundles, offline.
func cmdOTA(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	subs := []command{
		{"keygen", "make an Ed25519 key pair: PREFIX.key (private, 0600) and PREFIX.pub", otaKeygen},
		{"sign", "sign files into a bundle (a tar, optionally gzip-compressed)", otaSign},
		{"verify", "check a bundle as a device would: exit 0 only when it is accepted", otaVerify},
	}
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprintln(stdout, "Usage: edgectl ota COMMAND [ARGS]")
		fmt.Fprintln(stdout)
		for _, c := range subs {
			fmt.Fprintf(stdout, "  %-7s %s\n", c.name, c.summary)
		}
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "Run 'edgectl ota COMMAND --help' for options. The bundle format is described in ota/README.md.")
		if len(args) == 0 {
			return cliutil.Usagef("ota needs a command (keygen, sign, verify)")
		}
		return nil
	}
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return cliutil.Usagef("unknown ota command %q (keygen, sign, verify)", args[0])
}

func otaKeygen(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := helpFlagSet("ota keygen", "ota keygen --out PREFIX [--force]\n\n"+
		"Writes PREFIX.key (the private key, one line ed25519-private:BASE64, mode 0600) and\n"+
		"PREFIX.pub (one line ed25519:BASE64, for ota.trusted_keys and --trust).", stdout)
	out := fs.String("out", "", "`PREFIX` of the key files")
	force := fs.Bool("force", false, "replace existing key files")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cliutil.Usagef("ota keygen takes no arguments")
	}
	if *out == "" {
		return cliutil.Usagef("ota keygen needs --out PREFIX")
	}
	keyPath, pubPath := *out+".key", *out+".pub"
	if !*force {
		for _, p := range []string{keyPath, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return fmt.Errorf("ota keygen: %s exists (--force replaces it)", p)
			}
		}
	}
	priv, pub, err := ota.GenerateKey()
	if err != nil {
		return fmt.Errorf("ota keygen: %w", err)
	}
	if err := ota.WritePrivateKeyFile(keyPath, priv, *force); err != nil {
		return fmt.Errorf("ota keygen: %w", err)
	}
	if err := ota.WritePublicKeyFile(pubPath, pub, *force); err != nil {
		return fmt.Errorf("ota keygen: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (private, mode 0600) and %s\n", keyPath, pubPath)
	fmt.Fprintf(stdout, "key id:     %s\n", ota.KeyID(pub))
	fmt.Fprintf(stdout, "public key: %s\n", pub)
	return nil
}

// bundleFile is one FILE argument of ota sign.
type bundleFile struct {
	arg, name string // as given, and its path in the bundle (its base name)
}

func otaSign(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := helpFlagSet("ota sign", "ota sign --key PREFIX.key --kind model --name NAME --version N\n"+
		"       [--expires DURATION|RFC3339] [--gzip] [--variant PATH:REQUIREMENT ...] --out BUNDLE FILE...\n\n"+
		"Each FILE is stored under its base name; for a model the first FILE is the generic model.\n"+
		"--variant names one of the FILEs (its base name or path as given) and a hardware requirement,\n"+
		"e.g. --variant 'model_dotprod.tflite:arch == arm64 and cpu.features has asimddp'.", stdout)
	keyFile := fs.String("key", "", "private key `file` (from ota keygen)")
	kind := fs.String("kind", ota.KindModel, "bundle `kind`: model or agent")
	name := fs.String("name", "", "what the bundle installs (the model's name)")
	version := fs.Int64("version", 0, "bundle version, an integer of at least 1")
	expires := fs.String("expires", "", "refuse the bundle after this: a duration from now (720h, 30d) or an RFC 3339 time")
	gz := fs.Bool("gzip", false, "gzip-compress the bundle")
	out := fs.String("out", "", "bundle `file` to write")
	asJSON := fs.Bool("json", false, "print the signed manifest as JSON")
	var variants, stIn, stOut cliutil.Strings
	fs.Var(&variants, "variant", "hardware-specific file `PATH:REQUIREMENT` (repeatable, tried in order)")
	fs.Var(&stIn, "self-test-input", "a self-test input `FILE` (raw bytes of one input tensor; repeat in model order); it is added to the bundle")
	fs.Var(&stOut, "self-test-output", "the output `FILE` the model must produce from the self-test inputs (repeat in model order)")
	maxDiff := fs.Float64("self-test-max-diff", 0, "largest difference of a dequantized output value (0: the outputs byte for byte)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case *keyFile == "":
		return cliutil.Usagef("ota sign needs --key FILE")
	case *name == "":
		return cliutil.Usagef("ota sign needs --name NAME")
	case *version < 1:
		return cliutil.Usagef("ota sign needs --version N (at least 1)")
	case *out == "":
		return cliutil.Usagef("ota sign needs --out BUNDLE")
	case len(pos) == 0:
		return cliutil.Usagef("ota sign needs at least one FILE")
	case *kind != ota.KindModel && *kind != ota.KindAgent:
		return cliutil.Usagef("--kind %q: want model or agent", *kind)
	case (len(stIn) == 0) != (len(stOut) == 0):
		return cliutil.Usagef("a self-test needs both --self-test-input and --self-test-output")
	}
	pos = append(append(pos, stIn...), stOut...)
	now := time.Now().UTC().Truncate(time.Second)
	m := ota.Manifest{Kind: *kind, Name: *name, Version: *version, Created: now}
	if *expires != "" {
		exp, err := parseExpires(*expires, now)
		if err != nil {
			return cliutil.Usagef("--expires: %v", err)
		}
		m.Expires = exp
	}
	files := make([]bundleFile, 0, len(pos))
	seen := map[string]string{}
	for _, arg := range pos {
		base := filepath.Base(arg)
		if other, dup := seen[base]; dup {
			return cliutil.Usagef("files %s and %s would both be stored as %s", other, arg, base)
		}
		seen[base] = arg
		files = append(files, bundleFile{arg: arg, name: base})
	}
	for _, v := range variants {
		variant, err := parseVariant(v, files)
		if err != nil {
			return err
		}
		m.Variants = append(m.Variants, variant)
	}
	if len(stIn) > 0 {
		m.SelfTest = &ota.SelfTest{MaxDiff: *maxDiff}
		for _, f := range stIn {
			m.SelfTest.Inputs = append(m.SelfTest.Inputs, filepath.Base(f))
		}
		for _, f := range stOut {
			m.SelfTest.Outputs = append(m.SelfTest.Outputs, filepath.Base(f))
		}
	}
	priv, err := ota.ReadPrivateKeyFile(*keyFile)
	if err != nil {
		return fmt.Errorf("ota sign: %w", err)
	}
	outInfo, statErr := os.Stat(*out)
	srcs := make([]ota.FileSource, 0, len(files))
	for _, f := range files {
		if statErr == nil {
			if fi, err := os.Stat(f.arg); err == nil && os.SameFile(fi, outInfo) {
				return cliutil.Usagef("--out %s is one of the FILEs", *out)
			}
		}
		srcs = append(srcs, ota.FileFromDisk(f.name, f.arg))
	}
	signed, size, err := writeBundle(*out, priv, m, srcs, *gz)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, signed)
	}
	fmt.Fprintf(stdout, "signed %s %s version %d with key %s: %s (%s)\n", signed.Kind, signed.Name, signed.Version, signed.KeyID, *out, sizeHuman(size))
	return nil
}

// writeBundle signs into a temporary file beside out and renames it into
// place, so that out is never half written.
func writeBundle(out string, priv ota.Private, m ota.Manifest, srcs []ota.FileSource, gz bool) (*ota.Manifest, int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return nil, 0, fmt.Errorf("ota sign: %w", err)
	}
	fail := func(err error) (*ota.Manifest, int64, error) {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, 0, err
	}
	bw := bufio.NewWriterSize(tmp, 256<<10)
	signed, _, err := ota.Sign(bw, priv, m, srcs, ota.SignOptions{Gzip: gz})
	if err != nil {
		var oe *ota.Error
		if errors.As(err, &oe) {
			return fail(cliutil.Usagef("%v", err))
		}
		return fail(fmt.Errorf("ota sign: %w", err))
	}
	if err := bw.Flush(); err != nil {
		return fail(fmt.Errorf("ota sign: write %s: %w", out, err))
	}
	if err := tmp.Sync(); err != nil {
		return fail(fmt.Errorf("ota sign: write %s: %w", out, err))
	}
	fi, err := tmp.Stat()
	if err != nil {
		return fail(fmt.Errorf("ota sign: write %s: %w", out, err))
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(fmt.Errorf("ota sign: write %s: %w", out, err))
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("ota sign: write %s: %w", out, err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		os.Remove(tmp.Name())
		return nil, 0, fmt.Errorf("ota sign: %w", err)
	}
	return signed, fi.Size(), nil
}

// parseExpires reads --expires: an RFC 3339 time, a Go duration (720h) or
// a number of days (30d), from now.
func parseExpires(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		if !t.After(now) {
			return time.Time{}, fmt.Errorf("%s is not in the future", s)
		}
		return t, nil
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*366 {
			return time.Time{}, fmt.Errorf("%q: want a positive number of days, a duration (720h) or an RFC 3339 time", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		d, err = time.ParseDuration(s)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("%q: want a positive duration (720h, 30d) or an RFC 3339 time", s)
		}
	}
	return now.Add(d), nil
}

// parseVariant reads PATH:REQUIREMENT, where PATH is one of the FILEs as
// given or by base name (a path may itself hold colons).
func parseVariant(s string, files []bundleFile) (ota.Variant, error) {
	for _, f := range files {
		for _, p := range []string{f.arg, f.name} {
			if req, ok := strings.CutPrefix(s, p+":"); ok {
				if strings.TrimSpace(req) == "" {
					return ota.Variant{}, cliutil.Usagef("--variant %q has no requirement", s)
				}
				return ota.Variant{Path: f.name, Requires: req}, nil
			}
		}
	}
	return ota.Variant{}, cliutil.Usagef("--variant %q: want PATH:REQUIREMENT with PATH one of the FILEs", s)
}

// verifyOutput is what ota verify --json prints.
type verifyOutput struct {
	Accepted bool          `json:"accepted"`
	Bundle   string        `json:"bundle"`
	Code     string        `json:"code,omitempty"`
	Message  string        `json:"message,omitempty"`
	Bytes    int64         `json:"bytes,omitempty"`
	KeyID    string        `json:"key_id,omitempty"`
	Manifest *ota.Manifest `json:"manifest,omitempty"`
}

func otaVerify(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := helpFlagSet("ota verify", "ota verify --trust PREFIX.pub [--trust ...] [--installed N] [--kind K] [--json] BUNDLE\n\n"+
		"Checks signature, keys, version, expiry, sizes, paths and every file's hash as a device\n"+
		"would (files are staged in a temporary folder, removed afterwards). Exits 0 only when the\n"+
		"bundle is accepted; otherwise prints the refusal code and reason and exits 1.", stdout)
	var trust, revoked cliutil.Strings
	fs.Var(&trust, "trust", "trusted public key: a .pub `file` or ed25519:BASE64 (repeatable)")
	fs.Var(&revoked, "revoked", "revoked key `id` (repeatable), as ota.revoked_keys")
	installed := fs.Int64("installed", 0, "the installed `version`: the bundle must be newer")
	allowDowngrade := fs.Bool("allow-downgrade", false, "accept a version not above --installed")
	kind := fs.String("kind", "", "expected `kind` (model or agent)")
	maxBytes := fs.Int64("max-bytes", ota.DefaultMaxBundleBytes, "largest bundle, read and unpacked, in `bytes`")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 1:
		return cliutil.Usagef("ota verify needs one BUNDLE")
	case len(trust) == 0:
		return cliutil.Usagef("ota verify needs --trust (a device trusting no key refuses every bundle)")
	case *kind != "" && *kind != ota.KindModel && *kind != ota.KindAgent:
		return cliutil.Usagef("--kind %q: want model or agent", *kind)
	case *maxBytes < 1:
		return cliutil.Usagef("--max-bytes must be positive")
	}
	opts := ota.VerifyOptions{Kind: *kind, InstalledVersion: *installed, AllowDowngrade: *allowDowngrade, MaxBundleBytes: *maxBytes}
	for _, t := range trust {
		pub, err := readTrust(t)
		if err != nil {
			return cliutil.Usagef("--trust: %v", err)
		}
		opts.TrustedKeys = append(opts.TrustedKeys, pub)
	}
	for _, id := range revoked {
		n, err := ota.NormalizeKeyID(id)
		if err != nil {
			return cliutil.Usagef("--revoked: %v", err)
		}
		opts.RevokedKeyIDs = append(opts.RevokedKeyIDs, n)
	}
	bundle := pos[0]
	v, err := verifyBundle(bundle, opts)
	if err != nil {
		var oe *ota.Error
		if !errors.As(err, &oe) {
			return err
		}
		if *asJSON {
			if jerr := writeJSON(stdout, verifyOutput{Bundle: bundle, Code: oe.Code, Message: oe.Msg}); jerr != nil {
				return jerr
			}
		}
		return fmt.Errorf("ota verify: %s refused: %w", bundle, err)
	}
	if *asJSON {
		return writeJSON(stdout, verifyOutput{Accepted: true, Bundle: bundle, Bytes: v.BundleBytes, KeyID: v.KeyID, Manifest: &v.Manifest})
	}
	return printVerified(stdout, bundle, v)
}

// readTrust reads a --trust value: a key in text form or a .pub file.
func readTrust(s string) (ota.Public, error) {
	if strings.HasPrefix(s, ota.PublicKeyPrefix) {
		return ota.ParsePublicKey(s)
	}
	return ota.ReadPublicKeyFile(s)
}

// verifyBundle verifies a bundle file, staging into a temporary folder it
// removes.
func verifyBundle(bundle string, opts ota.VerifyOptions) (*ota.Verified, error) {
	f, err := os.Open(bundle)
	if err != nil {
		return nil, fmt.Errorf("ota verify: %w", err)
	}
	defer f.Close()
	tmp, err := os.MkdirTemp("", "edgectl-ota-verify-")
	if err != nil {
		return nil, fmt.Errorf("ota verify: %w", err)
	}
	defer os.RemoveAll(tmp)
	return ota.Verify(f, opts, filepath.Join(tmp, "stage"))
}

func printVerified(w io.Writer, bundle string, v *ota.Verified) error {
	m := v.Manifest
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "accepted:\t%s (%s)\n", bundle, sizeHuman(v.BundleBytes))
	fmt.Fprintf(tw, "kind:\t%s\n", m.Kind)
	fmt.Fprintf(tw, "name:\t%s\n", m.Name)
	fmt.Fprintf(tw, "version:\t%d\n", m.Version)
	fmt.Fprintf(tw, "key id:\t%s\n", v.KeyID)
	fmt.Fprintf(tw, "created:\t%s\n", m.Created.UTC().Format(time.RFC3339))
	if !m.Expires.IsZero() {
		fmt.Fprintf(tw, "expires:\t%s\n", m.Expires.UTC().Format(time.RFC3339))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "files:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range m.Files {
		fmt.Fprintf(tw, "  %s\t%d bytes\tsha256 %s\n", f.Path, f.Size, f.SHA256)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(m.Variants) > 0 {
		fmt.Fprintln(w, "variants:")
		for _, vr := range m.Variants {
			fmt.Fprintf(w, "  %s if %s\n", vr.Path, vr.Requires)
		}
	}
	return nil
}
