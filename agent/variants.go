package agent

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/edge-agent/edge-agent/hwprobe"
	"github.com/edge-agent/edge-agent/ota"
	"github.com/edge-agent/edge-agent/ota/store"
)

// Hardware-specific variants of installed versions. A bundle may carry
// variants (files with a requirement in hwprobe's language) beside its
// generic model; the store keeps them all, with the requirements in the
// version's meta. The file served is chosen again at every build, from the
// latest hardware profile: the first variant whose requirement matches,
// else the generic file. A variant that does not load falls back to the
// generic file, and the hardware is probed again every ota.reprobe, so
// an accelerator that disappears (unplugged, driver gone) moves the model
// back to the generic file, and one that appears moves it to its variant.

// storeMeta returns the store meta of a verified bundle's file.
func storeMeta(v *ota.Verified, file, sha string) store.Meta {
	meta := store.Meta{Primary: file, SHA256: sha, Source: "ota key " + v.KeyID}
	if len(v.Manifest.Variants) == 0 || len(v.Manifest.Files) == 0 {
		return meta
	}
	if g := v.Manifest.Files[0].Path; !strings.Contains(g, "/") {
		meta.Generic = g
	}
	for _, vr := range v.Manifest.Variants {
		if !strings.Contains(vr.Path, "/") {
			meta.Variants = append(meta.Variants, store.Variant{Path: vr.Path, Requires: vr.Requires})
		}
	}
	return meta
}

// hwProfile returns the latest hardware profile.
func (d *Daemon) hwProfile() *hwprobe.Profile {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.prof
}

// pickInstalled returns the file of an installed version to serve on
// this hardware, and the generic file to fall back to ("" when the version
// has no variants).
func (d *Daemon) pickInstalled(v store.Version) (file, generic string) {
	if len(v.Meta.Variants) == 0 {
		return v.Primary, ""
	}
	generic = v.Primary
	if v.Meta.Generic != "" {
		generic = filepath.Join(v.Dir, v.Meta.Generic)
	}
	m := ota.Manifest{Files: []ota.File{{Path: filepath.Base(generic)}}}
	for _, vr := range v.Meta.Variants {
		m.Variants = append(m.Variants, ota.Variant{Path: vr.Path, Requires: vr.Requires})
	}
	p, _ := m.PickVariant(d.hwProfile())
	return filepath.Join(v.Dir, p), generic
}

// reprobeLoop probes the hardware every ota.reprobe and rebuilds when the
// file an installed version should serve changed.
func (d *Daemon) reprobeLoop(ctx context.Context) {
	for {
		every := d.currentConfig().OTA.Reprobe.Duration()
		if every <= 0 {
			every = time.Minute // checked again in a minute: a reload may turn it on
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
		if d.currentConfig().OTA.Reprobe.Duration() <= 0 {
			continue
		}
		p, err := hwprobe.Probe(ctx, hwprobe.Options{Root: d.opts.ProbeRoot})
		if err != nil {
			d.log.Warn("hardware probe failed", "err", err)
			continue
		}
		d.mu.Lock()
		d.prof = p
		d.mu.Unlock()
		if name, from, to, changed := d.variantChange(); changed {
			d.log.Warn("hardware changed: the model's file changes", "model", name, "from", filepath.Base(from), "to", filepath.Base(to))
			d.otaMu.Lock()
			if _, err := d.rebuild(ctx); err != nil {
				d.log.Error("rebuild after a hardware change failed: the running models stay", "err", err)
			}
			d.otaMu.Unlock()
		}
	}
}

// variantChange reports the first served model whose file would change
// on the latest profile.
func (d *Daemon) variantChange() (name, from, to string, changed bool) {
	gen := d.current()
	for _, n := range gen.modelOrder {
		v, ok := d.store.Active(n)
		if !ok || len(v.Meta.Variants) == 0 {
			continue
		}
		file, generic := d.pickInstalled(v)
		cur := gen.models[n].Spec().Path
		// A variant that did not load is served by its generic file: no
		// change while it would still be picked.
		if cur != file && !(cur == generic && gen.fellBack[n] == file) {
			return n, cur, file, true
		}
	}
	return "", "", "", false
}
