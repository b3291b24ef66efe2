package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Store is an opened model store. Its methods are safe for concurrent use.
type Store struct {
	root    string // absolute
	staging string // root/staging

	mu     sync.Mutex
	lock   *os.File // the flock'ed root; nil once closed
	models map[string]*model
	report Report
	now    func() time.Time

	// crashAt, when set (by tests), is called at each named step of a
	// change; the crash test's child process kills itself there.
	crashAt func(step string)
}

// model is what the store knows of one model.
type model struct {
	versions map[int64]Meta
	active   int64
	previous int64
}

// Version is one installed version of a model.
type Version struct {
	// Name is the model's name.
	Name string
	// Version is the version number.
	Version int64
	// Dir is the version's folder.
	Dir string
	// Primary is the full path of the primary (model) file.
	Primary string
	// Meta is the version's meta.json.
	Meta Meta
}

// Report tells what Open found and did while recovering the store.
type Report struct {
	// Removed lists the paths Open removed: leftovers in staging/,
	// version folders without a complete meta.json, temporary files.
	Removed []string
	// Problems lists damage Open found and worked around (a corrupt
	// state.json, a state naming a version that is not installed, a
	// damaged version folder), each naming the file concerned.
	Problems []error
}

// Open opens the store under root, creating root and root/staging when
// missing, and recovers from a process killed mid-change (see the package
// documentation): what it cleaned or found damaged is in [Store.OpenReport].
// It fails with [ErrLocked] while another Store holds root.
func Open(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", root, err)
	}
	s := &Store{
		root:    abs,
		staging: filepath.Join(abs, stagingName),
		models:  map[string]*model{},
		now:     time.Now,
	}
	if err := os.MkdirAll(abs, dirPerm); err != nil {
		return nil, fmt.Errorf("store: open: create root: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("store: open: root %s is not a folder", abs)
	}
	lock, err := lockRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	s.lock = lock
	if err := s.recover(); err != nil {
		_ = s.lock.Close()
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	return s, nil
}

// Close releases the store's lock on its root. Active, Versions and Names
// keep answering from what the store knew; changes fail with [ErrClosed].
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return nil
	}
	err := s.lock.Close()
	s.lock = nil
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Root returns the store's root folder (absolute).
func (s *Store) Root() string { return s.root }

// OpenReport returns what Open removed and the damage it found.
func (s *Store) OpenReport() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Report{
		Removed:  slices.Clone(s.report.Removed),
		Problems: slices.Clone(s.report.Problems),
	}
}

// crash calls the test hook, if any.
func (s *Store) crash(step string) {
	if s.crashAt != nil {
		s.crashAt(step)
	}
}

// removed records a path Open removed.
func (s *Store) removed(path string) { s.report.Removed = append(s.report.Removed, path) }

// problem records damage Open found.
func (s *Store) problem(err error) { s.report.Problems = append(s.report.Problems, err) }

// recover brings the store on disk to a consistent state and loads it.
func (s *Store) recover() error {
	if err := os.Mkdir(s.staging, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create staging: %w", err)
	}
	if fi, err := os.Lstat(s.staging); err != nil {
		return fmt.Errorf("staging: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("staging %s is not a folder", s.staging)
	}
	if err := syncDir(s.root); err != nil {
		return err
	}
	entries, err := os.ReadDir(s.staging)
	if err != nil {
		return fmt.Errorf("read staging: %w", err)
	}
	for _, e := range entries {
		p := filepath.Join(s.staging, e.Name())
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("remove leftover staging entry: %w", err)
		}
		s.removed(p)
	}
	if len(entries) > 0 {
		if err := syncDir(s.staging); err != nil {
			return err
		}
	}
	entries, err = os.ReadDir(s.root)
	if err != nil {
		return fmt.Errorf("read root: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if name == stagingName || validName(name) != nil {
			continue
		}
		if !e.IsDir() {
			s.problem(fmt.Errorf("%s is not a folder: ignored", filepath.Join(s.root, name)))
			continue
		}
		if err := s.recoverModel(name); err != nil {
			return fmt.Errorf("model %s: %w", name, err)
		}
	}
	return nil
}

// recoverModel loads one model's folder, removing interrupted installs and
// temporary files, and checks its state against its versions.
func (s *Store) recoverModel(name string) error {
	dir := filepath.Join(s.root, name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	m := &model{versions: map[int64]Meta{}}
	changed := false
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if e.Name() == stateFile+tmpSuffix {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("remove temporary state: %w", err)
			}
			s.removed(p)
			changed = true
			continue
		}
		v, ok := parseVersionDir(e.Name())
		if !ok {
			continue
		}
		if !e.IsDir() {
			s.problem(fmt.Errorf("%s is not a folder: ignored", p))
			continue
		}
		meta, why, err := loadVersion(p, name, v)
		if err != nil {
			return err
		}
		if why != nil {
			if err := os.RemoveAll(p); err != nil {
				return fmt.Errorf("remove incomplete version %s: %w", p, err)
			}
			s.removed(p)
			if !errors.Is(why, fs.ErrNotExist) {
				s.problem(fmt.Errorf("version %s removed: %w", p, why))
			}
			changed = true
			continue
		}
		m.versions[v] = meta
	}
	if changed {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	if err := s.recoverState(dir, m); err != nil {
		return err
	}
	if len(m.versions) == 0 && m.active == 0 {
		// A model left with nothing (a first install killed midway):
		// remove its folder if it is empty.
		if rest, err := os.ReadDir(dir); err == nil && len(rest) == 0 {
			if err := os.Remove(dir); err != nil {
				return fmt.Errorf("remove empty model folder: %w", err)
			}
			s.removed(dir)
			if err := syncDir(s.root); err != nil {
				return err
			}
		}
		return nil
	}
	s.models[name] = m
	return nil
}

// loadVersion reads a version folder's meta.json and checks it against the
// folder and the primary file. why (nil when the version is complete)
// tells why the folder is not an installed version: wrapping
// fs.ErrNotExist when meta.json is missing (an interrupted install). err
// reports an I/O error that says nothing about the version.
func loadVersion(dir, name string, version int64) (meta Meta, why, err error) {
	mp := filepath.Join(dir, metaFile)
	fi, err := os.Lstat(mp)
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, fmt.Errorf("no %s: %w", metaFile, fs.ErrNotExist), nil
	}
	if err != nil {
		return Meta{}, nil, fmt.Errorf("stat %s: %w", mp, err)
	}
	if !fi.Mode().IsRegular() {
		return Meta{}, fmt.Errorf("%s is not a regular file", mp), nil
	}
	b, err := os.ReadFile(mp)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("read %s: %w", mp, err)
	}
	meta, perr := parseMeta(b)
	if perr != nil {
		return Meta{}, fmt.Errorf("%s: %w", mp, perr), nil
	}
	if meta.Name != name || meta.Version != version {
		return Meta{}, fmt.Errorf("%s: %w: names %s version %d", mp, ErrCorrupt, meta.Name, meta.Version), nil
	}
	pp := filepath.Join(dir, meta.Primary)
	pfi, err := os.Lstat(pp)
	if errors.Is(err, fs.ErrNotExist) {
		return Meta{}, fmt.Errorf("primary file %s is missing", pp), nil
	}
	if err != nil {
		return Meta{}, nil, fmt.Errorf("stat %s: %w", pp, err)
	}
	if !pfi.Mode().IsRegular() {
		return Meta{}, fmt.Errorf("primary file %s is not a regular file", pp), nil
	}
	if pfi.Size() != meta.Size {
		return Meta{}, fmt.Errorf("primary file %s has %d bytes, %s says %d", pp, pfi.Size(), metaFile, meta.Size), nil
	}
	return meta, nil, nil
}

// recoverState reads dir/state.json into m, setting aside a corrupt one
// and rewriting one that names versions that are not installed.
func (s *Store) recoverState(dir string, m *model) error {
	sp := filepath.Join(dir, stateFile)
	b, err := os.ReadFile(sp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", sp, err)
	}
	st, perr := parseState(b)
	if perr != nil {
		if err := os.Rename(sp, sp+corruptExt); err != nil {
			return fmt.Errorf("set aside corrupt %s: %w", sp, err)
		}
		if err := syncDir(dir); err != nil {
			return err
		}
		s.problem(fmt.Errorf("%s: %w (kept as %s%s; no version is active)", sp, perr, stateFile, corruptExt))
		return nil
	}
	fixed := st
	if _, ok := m.versions[fixed.Active]; !ok {
		s.problem(fmt.Errorf("%s: active version %d is not installed: no version is active", sp, fixed.Active))
		fixed = state{}
	} else if _, ok := m.versions[fixed.Previous]; fixed.Previous != 0 && !ok {
		s.problem(fmt.Errorf("%s: previous version %d is not installed: dropped", sp, fixed.Previous))
		fixed.Previous = 0
	}
	if fixed != st {
		if fixed.Active == 0 {
			if err := os.Remove(sp); err != nil {
				return fmt.Errorf("remove %s: %w", sp, err)
			}
			if err := syncDir(dir); err != nil {
				return err
			}
		} else if err := s.writeState(dir, fixed, "recover"); err != nil {
			return err
		}
	}
	m.active, m.previous = fixed.Active, fixed.Previous
	return nil
}

// writeState writes dir/state.json atomically.
func (s *Store) writeState(dir string, st state, op string) error {
	b, err := encodeState(st)
	if err != nil {
		return err
	}
	if _, err := s.writeFileAtomic(dir, stateFile, b, op); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, stateFile), err)
	}
	return nil
}

// StagingDir creates a fresh folder under root/staging for a verifier to
// write a version's files into, and returns it with a cleanup function
// that removes it (harmless after Install moved it).
func (s *Store) StagingDir() (string, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return "", nil, fmt.Errorf("store: staging folder: %w", ErrClosed)
	}
	dir, err := os.MkdirTemp(s.staging, "stage-")
	if err != nil {
		return "", nil, fmt.Errorf("store: staging folder: %w", err)
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// Install moves stagedDir, a folder from [Store.StagingDir] holding the
// version's files, to NAME/VERSION and writes its meta.json, and returns
// the version's folder. It does not activate the version.
//
// meta.Primary names the primary file, at the top of stagedDir. Install
// fills in meta's Name and Version (when set they must agree with name and
// version), SHA256 (when set it must match the file), Size, and Installed
// (when zero). Installing an installed version succeeds, discarding
// stagedDir, when the primary files' SHA-256 agree, and fails with
// [ErrConflict] otherwise.
func (s *Store) Install(name string, version int64, stagedDir string, meta Meta) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, err := s.install(name, version, stagedDir, meta)
	if err != nil {
		return "", fmt.Errorf("store: install %s version %d: %w", name, version, err)
	}
	return dir, nil
}

func (s *Store) install(name string, version int64, stagedDir string, meta Meta) (string, error) {
	if err := validName(name); err != nil {
		return "", err
	}
	if err := validVersion(version); err != nil {
		return "", err
	}
	if s.lock == nil {
		return "", ErrClosed
	}
	if meta.Name == "" {
		meta.Name = name
	} else if meta.Name != name {
		return "", fmt.Errorf("meta names model %q", meta.Name)
	}
	if meta.Version == 0 {
		meta.Version = version
	} else if meta.Version != version {
		return "", fmt.Errorf("meta names version %d", meta.Version)
	}
	if err := validPrimary(meta.Primary); err != nil {
		return "", err
	}
	if meta.SHA256 != "" {
		if err := validSHA256(meta.SHA256); err != nil {
			return "", fmt.Errorf("meta: %w", err)
		}
	}
	staged, err := s.checkStaged(stagedDir)
	if err != nil {
		return "", err
	}
	primary := filepath.Join(staged, meta.Primary)
	sum, size, err := hashFile(primary)
	if err != nil {
		return "", fmt.Errorf("primary file: %w", err)
	}
	if meta.SHA256 != "" && meta.SHA256 != sum {
		return "", fmt.Errorf("primary file %s has sha256 %s, expected %s", primary, sum, meta.SHA256)
	}
	modelDir := filepath.Join(s.root, name)
	vdir := filepath.Join(modelDir, versionDirName(version))
	if m := s.models[name]; m != nil {
		if old, ok := m.versions[version]; ok {
			if old.SHA256 != sum {
				return "", fmt.Errorf("%w: %s has sha256 %s, the staged file %s", ErrConflict, vdir, old.SHA256, sum)
			}
			if err := os.RemoveAll(staged); err != nil {
				return "", fmt.Errorf("discard staged copy of an installed version: %w", err)
			}
			return vdir, nil
		}
	}
	if err := checkTree(staged); err != nil {
		return "", err
	}
	meta.SHA256, meta.Size = sum, size
	if meta.Installed.IsZero() {
		meta.Installed = s.now().UTC().Truncate(time.Millisecond)
	}
	mb, err := encodeMeta(meta)
	if err != nil {
		return "", err
	}
	s.crash("install-synced")

	if err := os.Mkdir(modelDir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("create model folder: %w", err)
	}
	if fi, err := os.Lstat(modelDir); err != nil {
		return "", fmt.Errorf("model folder: %w", err)
	} else if !fi.IsDir() {
		return "", fmt.Errorf("%s is not a folder", modelDir)
	}
	if err := syncDir(s.root); err != nil {
		return "", err
	}
	s.crash("install-namedir")
	// A folder for this version that the store does not list is an
	// interrupted install (Open would remove it): replace it.
	if err := s.discard(vdir); err != nil {
		return "", err
	}
	if err := os.Rename(staged, vdir); err != nil {
		return "", fmt.Errorf("move staged folder into place: %w", err)
	}
	s.crash("install-moved")
	undo := func(err error) (string, error) {
		_ = os.RemoveAll(vdir) // Open removes it otherwise: it has no meta.json
		return "", err
	}
	if err := syncDir(modelDir); err != nil {
		return undo(err)
	}
	if err := syncDir(s.staging); err != nil {
		return undo(err)
	}
	s.crash("install-moved-synced")
	if renamed, err := s.writeFileAtomic(vdir, metaFile, mb, "install-meta"); err != nil {
		if !renamed {
			return undo(fmt.Errorf("write %s: %w", metaFile, err))
		}
		// meta.json is in place: the version is installed, its last
		// fsync failed.
		s.addVersion(name, meta)
		return "", fmt.Errorf("write %s: %w", metaFile, err)
	}
	s.crash("install-done")
	s.addVersion(name, meta)
	return vdir, nil
}

// addVersion records an installed version.
func (s *Store) addVersion(name string, meta Meta) {
	m := s.models[name]
	if m == nil {
		m = &model{versions: map[int64]Meta{}}
		s.models[name] = m
	}
	m.versions[meta.Version] = meta.clone()
}

// discard removes path, a folder the store does not list, by renaming it
// into staging (which Open empties) and removing it there.
func (s *Store) discard(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	tmp, err := os.MkdirTemp(s.staging, "discard-")
	if err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	if err := os.Rename(path, filepath.Join(tmp, "d")); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("remove %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// checkStaged returns stagedDir, absolute, after checking that it is a
// folder directly under root/staging.
func (s *Store) checkStaged(stagedDir string) (string, error) {
	abs, err := filepath.Abs(stagedDir)
	if err != nil {
		return "", fmt.Errorf("staged folder %s: %w", stagedDir, err)
	}
	if filepath.Dir(abs) != s.staging {
		return "", fmt.Errorf("staged folder %s is not a folder of %s", stagedDir, s.staging)
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return "", fmt.Errorf("staged folder: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("staged folder %s is not a folder", abs)
	}
	return abs, nil
}

// checkTree checks that a staged tree holds only regular files and
// folders, none of them named like the store's files at its top, and
// fsyncs all of them.
func checkTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if filepath.Dir(p) == root && reservedInVersion(d.Name()) {
			return fmt.Errorf("staged file %s: the name %s is reserved for the store", p, d.Name())
		}
		switch {
		case d.IsDir():
			dirs = append(dirs, p)
			return nil
		case d.Type().IsRegular():
			return syncFile(p)
		default:
			return fmt.Errorf("staged entry %s is not a regular file or folder (%s)", p, d.Type())
		}
	})
	if err != nil {
		return fmt.Errorf("staged folder: %w", err)
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// hashFile returns the lowercase hex SHA-256 and size of a regular file.
func hashFile(path string) (string, int64, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return "", 0, err
	}
	if !fi.Mode().IsRegular() {
		return "", 0, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Activate makes an installed version the model's active one, the version
// active until then becoming the previous one, and returns that version (0
// when there was none). Activating the active version changes nothing
// (previous stays as it was) and returns that version.
func (s *Store) Activate(name string, version int64) (prev int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, err = s.activate(name, version)
	if err != nil {
		return 0, fmt.Errorf("store: activate %s version %d: %w", name, version, err)
	}
	return prev, nil
}

func (s *Store) activate(name string, version int64) (int64, error) {
	if err := validName(name); err != nil {
		return 0, err
	}
	if err := validVersion(version); err != nil {
		return 0, err
	}
	if s.lock == nil {
		return 0, ErrClosed
	}
	m := s.models[name]
	if m == nil {
		return 0, ErrNotInstalled
	}
	if _, ok := m.versions[version]; !ok {
		return 0, ErrNotInstalled
	}
	if m.active == version {
		return version, nil
	}
	prev := m.active
	if err := s.setState(name, m, state{Active: version, Previous: prev}, "activate"); err != nil {
		return 0, err
	}
	return prev, nil
}

// setState writes a model's new state and records it once it is in place.
func (s *Store) setState(name string, m *model, st state, op string) error {
	b, err := encodeState(st)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.root, name)
	renamed, err := s.writeFileAtomic(dir, stateFile, b, op)
	if renamed {
		m.active, m.previous = st.Active, st.Previous
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Join(dir, stateFile), err)
	}
	s.crash(op + "-done")
	return nil
}

// Rollback makes the previous version active again, clears the previous
// version, and returns the version now active. It fails with
// [ErrNoPrevious] when there is no previous version.
func (s *Store) Rollback(name string) (to int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	to, err = s.rollback(name)
	if err != nil {
		return 0, fmt.Errorf("store: rollback %s: %w", name, err)
	}
	return to, nil
}

func (s *Store) rollback(name string) (int64, error) {
	if err := validName(name); err != nil {
		return 0, err
	}
	if s.lock == nil {
		return 0, ErrClosed
	}
	m := s.models[name]
	if m == nil || m.previous == 0 {
		return 0, ErrNoPrevious
	}
	if _, ok := m.versions[m.previous]; !ok {
		return 0, fmt.Errorf("previous version %d: %w", m.previous, ErrNotInstalled)
	}
	to := m.previous
	if err := s.setState(name, m, state{Active: to}, "rollback"); err != nil {
		return 0, err
	}
	return to, nil
}

// Deactivate leaves the model with no active version (the installed
// versions stay) and returns the version that was active, 0 when none
// was: an agent then serves what its configuration names. The change is
// one durable unlink of the model's state.json.
func (s *Store) Deactivate(name string) (was int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := validName(name); err != nil {
		return 0, fmt.Errorf("store: deactivate: %w", err)
	}
	if s.lock == nil {
		return 0, fmt.Errorf("store: deactivate %s: %w", name, ErrClosed)
	}
	m := s.models[name]
	if m == nil || m.active == 0 {
		return 0, nil
	}
	dir := filepath.Join(s.root, name)
	sp := filepath.Join(dir, stateFile)
	if err := os.Remove(sp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("store: deactivate %s: %w", name, err)
	}
	was = m.active
	m.active, m.previous = 0, 0
	s.crash("deactivate-removed")
	if err := syncDir(dir); err != nil {
		return was, fmt.Errorf("store: deactivate %s: %w", name, err)
	}
	return was, nil
}

// version returns the Version of an installed meta.
func (s *Store) version(meta Meta) Version {
	dir := filepath.Join(s.root, meta.Name, versionDirName(meta.Version))
	return Version{
		Name:    meta.Name,
		Version: meta.Version,
		Dir:     dir,
		Primary: filepath.Join(dir, meta.Primary),
		Meta:    meta.clone(),
	}
}

// Active returns the model's active version; false when it has none (or
// the name is invalid).
func (s *Store) Active(name string) (Version, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[name]
	if m == nil || m.active == 0 {
		return Version{}, false
	}
	meta, ok := m.versions[m.active]
	if !ok {
		return Version{}, false
	}
	return s.version(meta), true
}

// Previous returns the version a Rollback would return to; false when
// there is none.
func (s *Store) Previous(name string) (Version, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[name]
	if m == nil || m.previous == 0 {
		return Version{}, false
	}
	meta, ok := m.versions[m.previous]
	if !ok {
		return Version{}, false
	}
	return s.version(meta), true
}

// Versions returns the model's installed versions, oldest (lowest) first.
func (s *Store) Versions(name string) []Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.models[name]
	if m == nil {
		return nil
	}
	out := make([]Version, 0, len(m.versions))
	for _, v := range sortedVersions(m) {
		out = append(out, s.version(m.versions[v]))
	}
	return out
}

// sortedVersions returns a model's version numbers in ascending order.
func sortedVersions(m *model) []int64 {
	vs := make([]int64, 0, len(m.versions))
	for v := range m.versions {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// Names returns the names of the models with at least one installed
// version, sorted.
func (s *Store) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for name, m := range s.models {
		if len(m.versions) > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Verify rehashes an installed version's primary file and checks it
// against its meta.json.
func (s *Store) Verify(name string, version int64) error {
	s.mu.Lock()
	m := s.models[name]
	var meta Meta
	ok := false
	if m != nil {
		meta, ok = m.versions[version]
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("store: verify %s version %d: %w", name, version, ErrNotInstalled)
	}
	v := s.version(meta)
	sum, size, err := hashFile(v.Primary)
	if err != nil {
		return fmt.Errorf("store: verify %s version %d: %w", name, version, err)
	}
	if sum != meta.SHA256 || size != meta.Size {
		return fmt.Errorf("store: verify %s version %d: %s has sha256 %s (%d bytes), %s says %s (%d bytes)",
			name, version, v.Primary, sum, size, metaFile, meta.SHA256, meta.Size)
	}
	return nil
}

// Prune removes the model's installed versions except the active one, the
// previous one and the newest keep.
func (s *Store) Prune(name string, keep int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.prune(name, keep); err != nil {
		return fmt.Errorf("store: prune %s: %w", name, err)
	}
	return nil
}

func (s *Store) prune(name string, keep int) error {
	if err := validName(name); err != nil {
		return err
	}
	if keep < 0 {
		return fmt.Errorf("keep %d: want >= 0", keep)
	}
	if s.lock == nil {
		return ErrClosed
	}
	m := s.models[name]
	if m == nil {
		return nil
	}
	vs := sortedVersions(m)
	kept := map[int64]bool{m.active: true, m.previous: true}
	for i := len(vs) - 1; i >= 0 && i >= len(vs)-keep; i-- {
		kept[vs[i]] = true
	}
	modelDir := filepath.Join(s.root, name)
	for _, v := range vs {
		if kept[v] {
			continue
		}
		vdir := filepath.Join(modelDir, versionDirName(v))
		tmp, err := os.MkdirTemp(s.staging, "prune-")
		if err != nil {
			return fmt.Errorf("remove version %d: %w", v, err)
		}
		if err := os.Rename(vdir, filepath.Join(tmp, versionDirName(v))); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("remove version %d: %w", v, err)
		}
		delete(m.versions, v)
		s.crash("prune-moved")
		if err := syncDir(modelDir); err != nil {
			return err
		}
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("remove version %d: %w", v, err)
		}
		s.crash("prune-removed")
	}
	return nil
}
