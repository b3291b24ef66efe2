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
	"syscall"

	"golang.org/x/sys/unix"
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
	return r.host(r.resolvePath(p, followLast))
}

// resolvePath is resolve returning the path inside the root.
func (r *Root) resolvePath(p string, followLast bool) string {
	p = path.Clean("/" + p)
	if !r.fixture {
		return p
	}
	for hops := 0; hops < 40; hops++ { // bounded: link files may point in circles
		q, changed := r.resolveOnce(p, followLast)
		if !changed {
			return q
		}
		p = q
	}
	return p
}

// resolveOnce replaces the first link file along p by its target.
func (r *Root) resolveOnce(p string, followLast bool) (string, bool) {
	if _, err := os.Lstat(r.host(p)); err == nil && !followLast {
		return p, false
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for i, part := range parts {
		next := path.Join(cur, part)
		last := i == len(parts)-1
		if !last || followLast {
			if target, ok := r.linkFile(next); ok {
				if !strings.HasPrefix(target, "/") {
					target = path.Join(cur, target)
				}
				return path.Join(append([]string{path.Clean(target)}, parts[i+1:]...)...), true
			}
		}
		cur = next
	}
	return p, false
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

// Readlink returns a symlink's target (or a fixture link file's). Link
// files among its parent directories are followed first.
func (r *Root) Readlink(p string) (string, error) {
	p = path.Clean("/" + p)
	rp := path.Join(r.resolvePath(path.Dir(p), true), path.Base(p))
	t, err := os.Readlink(r.host(rp))
	if err == nil {
		return t, nil
	}
	if r.fixture {
		if t, ok := r.linkFile(rp); ok {
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

// CheckNode explains why a device node cannot be used; nil means this
// process may open it for reading and writing.
//
// The node is not opened: opening an Edge TPU for writing claims it and
// resets the chip when closed, and opening some NPUs and GPUs powers them
// up. Instead the check looks at the node's type and asks the kernel, with
// access(2) and the effective ids, whether it may be opened for reading and
// writing. A container's device policy (its cgroup) is not visible to this
// check: such a node is reported usable and the runtime's open fails. Under
// a fixture root a regular file stands in for a device node.
func (r *Root) CheckNode(p string) error {
	fi, err := r.Stat(p)
	if err != nil {
		return err
	}
	switch m := fi.Mode(); {
	case m.IsDir():
		return &fs.PathError{Op: "open", Path: p, Err: syscall.EISDIR}
	case m&fs.ModeCharDevice != 0:
	case r.fixture && m.IsRegular():
	default:
		return &fs.PathError{Op: "open", Path: p, Err: errNotDeviceNode}
	}
	if err := unix.Faccessat(unix.AT_FDCWD, r.resolve(p, true), unix.R_OK|unix.W_OK, unix.AT_EACCESS); err != nil {
		return &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return nil
}

var errNotDeviceNode = errors.New("not a device node")

// Accessible reports whether this process may open a device node for
// reading and writing (see CheckNode).
func (r *Root) Accessible(p string) bool { return r.CheckNode(p) == nil }

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
