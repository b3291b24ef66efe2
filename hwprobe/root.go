package hwprobe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// maxFileSize bounds what one read returns: /proc and /sys files are small,
// and a fixture tree must not make the probe read without bound.
const maxFileSize = 4 << 20

// Root reads /proc, /sys, /dev and /etc under one directory: "/" on a real
// device, a fixture tree in tests (`edge-agent probe --root DIR`). Every read
// of the probe goes through it.
//
// Fixture trees copied without symlinks (such as ../shared/fixtures/hwprobe)
// store a symlink as a small regular file that holds the link's target, e.g.
// sys/bus/pci/devices/0000:00:06.0 containing
// "../../../devices/pci0000:00/0000:00:06.0". Root follows such link files
// when a path needs them as directories, so collectors can use the paths of
// a real system unchanged.
type Root struct {
	dir     string
	fixture bool
}

// NewRoot returns a Root for dir; "" means "/".
func NewRoot(dir string) *Root {
	if dir == "" {
		dir = "/"
	}
	return &Root{dir: filepath.Clean(dir), fixture: filepath.Clean(dir) != "/"}
}

// Dir returns the root directory.
func (r *Root) Dir() string { return r.dir }

// Fixture reports whether the root is a tree other than "/".
func (r *Root) Fixture() bool { return r.fixture }

// host returns the host path of p, an absolute path inside the root.
func (r *Root) host(p string) string {
	return filepath.Join(r.dir, filepath.FromSlash(path.Clean("/"+p)))
}

// resolve returns the host path of p, following link files in fixture
// trees: always in the middle of the path, and at its end when followLast
// (for operations that want a directory or the link's target).
func (r *Root) resolve(p string, followLast bool) string {
	p = path.Clean("/" + p)
	h := r.host(p)
	if !r.fixture {
		return h
	}
	if followLast {
		if target, ok := r.linkFile(p); ok {
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(p), target)
			}
			return r.resolve(target, false)
		}
	}
	if _, err := os.Lstat(h); err == nil || !errors.Is(err, fs.ErrNotExist) && !isNotDir(err) {
		return h
	}
	// Walk down the components; a regular file in the middle of the path
	// that holds a relative or absolute path is a link file.
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for i := 0; i < len(parts); i++ {
		next := path.Join(cur, parts[i])
		if i < len(parts)-1 {
			if target, ok := r.linkFile(next); ok {
				if !strings.HasPrefix(target, "/") {
					target = path.Join(cur, target)
				}
				next = path.Clean(target)
			}
		}
		cur = next
	}
	return r.host(cur)
}

func isNotDir(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory")
}

// linkFile reports whether p is a fixture link file and returns its target.
func (r *Root) linkFile(p string) (string, bool) {
	h := r.host(p)
	fi, err := os.Lstat(h)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 || fi.Size() > 4096 {
		return "", false
	}
	b, err := os.ReadFile(h)
	if err != nil {
		return "", false
	}
	t := strings.TrimSpace(string(b))
	if strings.ContainsAny(t, "\n\x00") || !(strings.HasPrefix(t, "../") || strings.HasPrefix(t, "/")) {
		return "", false
	}
	return t, true
}

// wrap makes an error name the path inside the root.
func (r *Root) wrap(op, p string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: op, Path: path.Clean("/" + p), Err: err}
}

// ReadFile reads a file (at most maxFileSize bytes).
func (r *Root) ReadFile(p string) ([]byte, error) {
	f, err := os.Open(r.resolve(p, false))
	if err != nil {
		return nil, r.wrap("read", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize))
	if err != nil {
		return nil, r.wrap("read", p, err)
	}
	return b, nil
}

// ReadString reads a file and trims surrounding white space and NUL bytes
// (device-tree strings end in NUL).
func (r *Root) ReadString(p string) (string, error) {
	b, err := r.ReadFile(p)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(bytes.Trim(b, "\x00"))), nil
}

// ReadInt reads a file holding one integer (decimal, or hex with 0x).
func (r *Root) ReadInt(p string) (int64, error) {
	s, err := r.ReadString(p)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return 0, r.wrap("parse", p, err)
	}
	return v, nil
}

// Readlink returns a symlink's target (or a fixture link file's).
func (r *Root) Readlink(p string) (string, error) {
	h := r.resolve(p, false)
	t, err := os.Readlink(h)
	if err == nil {
		return t, nil
	}
	if r.fixture {
		if t, ok := r.linkFile(p); ok {
			return t, nil
		}
	}
	return "", r.wrap("readlink", p, err)
}

// Stat returns a file's information, following symlinks and link files.
func (r *Root) Stat(p string) (fs.FileInfo, error) {
	fi, err := os.Stat(r.resolve(p, true))
	if err != nil {
		return nil, r.wrap("stat", p, err)
	}
	return fi, nil
}

// Exists reports whether p exists. A permission error is returned, not
// taken for absence.
func (r *Root) Exists(p string) (bool, error) {
	_, err := os.Stat(r.resolve(p, true))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist) || isNotDir(err):
		return false, nil
	}
	return false, r.wrap("stat", p, err)
}

// ReadDir lists the names in a directory, sorted.
func (r *Root) ReadDir(p string) ([]string, error) {
	entries, err := os.ReadDir(r.resolve(p, true))
	if err != nil {
		return nil, r.wrap("readdir", p, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

// Glob returns the paths inside the root matching pattern (path.Match
// syntax in the last component only), sorted.
func (r *Root) Glob(pattern string) ([]string, error) {
	dir, base := path.Split(path.Clean("/" + pattern))
	names, err := r.ReadDir(dir)
	if err != nil {
		if IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(base, n); ok {
			out = append(out, path.Join(dir, n))
		}
	}
	return out, nil
}

// Accessible reports whether this process may open a device node for
// reading and writing. Under a fixture root it only checks existence.
func (r *Root) Accessible(p string) bool {
	if r.fixture {
		ok, _ := r.Exists(p)
		return ok
	}
	f, err := os.OpenFile(r.resolve(p, true), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// IsNotExist reports whether err means a file is absent.
func IsNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || isNotDir(err)
}

// IsPermission reports whether err is a permission error.
func IsPermission(err error) bool { return errors.Is(err, fs.ErrPermission) }

// describe turns a read error into a short reason for an Unknown entry.
func describe(err error) string {
	switch {
	case IsPermission(err):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Sprintf("permission denied reading %s", pe.Path)
		}
		return "permission denied"
	case IsNotExist(err):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Sprintf("%s not found", pe.Path)
		}
	}
	return err.Error()
}
