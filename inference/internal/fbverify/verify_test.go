package fbverify_test

import (
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edge-agent/edge-agent/inference/internal/fbverify"
)

// A schema with a recursive table: Node { value: int; next: Node; names: [string]; kids: [Node] }.
var schema = &fbverify.Schema{
	Root: "Node",
	Tables: map[string][]fbverify.Slot{
		"Node": {
			{Name: "value", Kind: fbverify.Scalar, Size: 4},
			{Name: "next", Kind: fbverify.TableRef, Table: "Node"},
			{Name: "names", Kind: fbverify.StringVector},
			{Name: "kids", Kind: fbverify.TableVector, Table: "Node"},
		},
	},
}

// chain builds n nodes linked by next.
func chain(n int) []byte {
	b := flatbuffers.NewBuilder(64)
	var next flatbuffers.UOffsetT
	for i := 0; i < n; i++ {
		name := b.CreateString("n")
		b.StartVector(4, 1, 4)
		b.PrependUOffsetT(name)
		names := b.EndVector(1)
		b.StartObject(4)
		b.PrependInt32Slot(0, int32(i), 0)
		if next != 0 {
			b.PrependUOffsetTSlot(1, next, 0)
		}
		b.PrependUOffsetTSlot(2, names, 0)
		next = b.EndObject()
	}
	b.FinishWithFileIdentifier(next, []byte("TEST"))
	return b.FinishedBytes()
}

func TestValidBufferPasses(t *testing.T) {
	if err := fbverify.Verify(chain(10), schema, fbverify.Options{Identifier: "TEST"}); err != nil {
		t.Fatal(err)
	}
}

func TestLimitsAndErrors(t *testing.T) {
	good := chain(10)
	cases := []struct {
		name string
		data []byte
		opt  fbverify.Options
		want string
	}{
		{"depth", good, fbverify.Options{MaxDepth: 5}, "deeper than 5"},
		{"tables", good, fbverify.Options{MaxTables: 3}, "more than 3 tables"},
		{"identifier", good, fbverify.Options{Identifier: "NOPE"}, "identifier"},
		{"short", good[:6], fbverify.Options{}, "too short"},
	}
	for _, c := range cases {
		err := fbverify.Verify(c.data, schema, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	// Every truncation of a valid buffer fails cleanly, naming a path.
	for n := 8; n < len(good); n++ {
		err := fbverify.Verify(good[:n], schema, fbverify.Options{})
		if err == nil {
			continue // a truncation that cuts only padding is still valid
		}
		if !strings.HasPrefix(err.Error(), "Node") {
			t.Fatalf("truncated to %d: error %q does not start with the path", n, err)
		}
	}
}
