package model

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// mapping is the memory a model loaded by LoadFile lives in: a read-only
// private mapping of the file where the platform has one (the constants
// are then file pages: shared, reclaimable, and droppable once a kernel
// has packed them; see Discard), else a heap copy.
type mapping struct {
	mu     sync.Mutex
	data   []byte
	unmap  func() error // nil: a heap copy
	holds  int
	closed bool
}

// LoadFile maps (or reads) a .tflite file and loads it. A mapped file must
// not be rewritten in place while the model is in use (replace it with a
// rename, as `edgectl`'s store and any package manager do): the model
// reads its constants from the file's pages. Close releases the mapping
// once every interpreter made from the model is closed.
func LoadFile(path string) (*Model, error) {
	data, unmap, err := mapFile(path)
	if err != nil {
		return nil, fmt.Errorf("read model: %w", err)
	}
	m, err := Load(data)
	if err != nil {
		if unmap != nil {
			_ = unmap()
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.mem = &mapping{data: data, unmap: unmap}
	return m, nil
}

// readFile is mapFile's fallback: the whole file on the heap.
func readFile(path string) ([]byte, func() error, error) {
	data, err := os.ReadFile(path)
	return data, nil, err
}

// Mapped reports whether the model's bytes are a mapping of its file.
func (m *Model) Mapped() bool { return m.mem != nil && m.mem.unmap != nil }

// Hold records a user of the model (an interpreter): Close waits for the
// last release before it unmaps the file. It fails once the model is
// closed. Models from Load need no holds; Hold then does nothing.
func (m *Model) Hold() (release func(), err error) {
	mm := m.mem
	if mm == nil {
		return func() {}, nil
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.closed {
		return nil, errors.New("model is closed")
	}
	mm.holds++
	var once sync.Once
	return func() {
		once.Do(func() {
			mm.mu.Lock()
			defer mm.mu.Unlock()
			mm.holds--
			mm.release()
		})
	}, nil
}

// Close releases a model loaded by LoadFile: its file mapping is removed
// when the last interpreter holding the model closes (at once when none
// does). The model must not be used afterwards. Closing twice, or closing
// a model from Load, does nothing.
func (m *Model) Close() error {
	mm := m.mem
	if mm == nil {
		return nil
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.closed {
		return nil
	}
	mm.closed = true
	return mm.release()
}

// release unmaps once closed and unheld (the caller holds mu).
func (mm *mapping) release() error {
	if !mm.closed || mm.holds > 0 || mm.unmap == nil {
		return nil
	}
	err := mm.unmap()
	mm.unmap, mm.data = nil, nil
	return err
}

// Discard tells a mapped model that the constant bytes b (a slice of one
// of its tensors) will not be read for a while: a kernel that packed them
// into its own layout calls it, and the whole pages inside b leave the
// process's resident memory. Reading b later is still correct (the pages
// come back from the file). For a model on the heap it does nothing.
func (m *Model) Discard(b []byte) {
	mm := m.mem
	if mm == nil || len(b) == 0 {
		return
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.unmap == nil || !within(b, mm.data) {
		return
	}
	discardPages(b)
}
